/// What is wrong with one value, before the key path, line and "what is allowed" are added.
struct Complaint: Error, Equatable {
    let text: String

    init(_ text: String) {
        self.text = text
    }
}
