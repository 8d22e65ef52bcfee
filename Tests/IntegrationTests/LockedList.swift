import Foundation

/// A list that threads append to under a lock.
final class LockedList<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var elements: [Element] = []

    func append(_ element: Element) { lock.withLock { elements.append(element) } }

    var items: [Element] { lock.withLock { elements } }
}
