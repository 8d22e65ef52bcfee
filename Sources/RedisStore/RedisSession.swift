/// How every new connection to a Redis node is prepared before its first script (SPEC §13): `AUTH` with the
/// ACL user and password (or the password alone), then `SELECT` of the database on a single server.
public struct RedisSession: Sendable, Equatable {
    /// The ACL user (Redis 6+); empty for the default user.
    public var username: String
    /// The password; empty for no `AUTH`.
    public var password: String
    /// The database to select; 0 sends no `SELECT` (a cluster has only database 0).
    public var database: Int

    /// A session; the defaults send nothing before the first script.
    public init(username: String = "", password: String = "", database: Int = 0) {
        self.username = username
        self.password = password
        self.database = database
    }

    /// The commands that open a connection, in order: `AUTH [username] password` when there is a password,
    /// `SELECT database` when it is not 0.
    var openingCommands: [[String]] {
        var commands: [[String]] = []
        if !password.isEmpty {
            commands.append(username.isEmpty ? ["AUTH", password] : ["AUTH", username, password])
        }
        if database != 0 { commands.append(["SELECT", String(database)]) }
        return commands
    }
}

/// A problem the Redis store reports to the operator (the caller logs it): a message and its details. Never
/// carries a password.
public struct RedisStoreEvent: Sendable, Equatable {
    /// What happened, e.g. `redis refused AUTH`.
    public var message: String
    /// The node and the reason Redis gave.
    public var details: [String: String]

    /// An event.
    public init(message: String, details: [String: String]) {
        self.message = message
        self.details = details
    }
}
