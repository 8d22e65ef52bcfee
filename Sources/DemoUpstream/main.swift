// demo-upstream: the project's demo and test upstream. A small blocking HTTP/1.1 server, one thread per
// connection, serving JSON, the seed APIs' error bodies, echo, byte streams and injected faults.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

signal(SIGPIPE, SIG_IGN)

let options: Options
switch Options.parse(Array(CommandLine.arguments.dropFirst())) {
case .success(let parsed): options = parsed
case .failure(let error):
    FileHandle.standardError.write(Data((error.message + "\n").utf8))
    exit(error.isHelp ? 0 : 2)
}

let listener: Listener
switch Listener.open(host: options.host, port: options.port) {
case .success(let opened): listener = opened
case .failure(let error):
    FileHandle.standardError.write(Data(("demo-upstream: " + error.message + "\n").utf8))
    exit(1)
}

FileHandle.standardOutput.write(Data("listening \(options.host):\(listener.port)\n".utf8))

let handler = ConnectionHandler(state: ServerState(), options: options)
while true {
    guard let fd = listener.accept() else { continue }
    let thread = Thread { handler.serve(fd: fd) }
    thread.stackSize = 1 << 20
    thread.start()
}
