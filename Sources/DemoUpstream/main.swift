// demo-upstream: the project's demo and test upstream. A small blocking HTTP/1.1 server, one thread per
// connection, serving JSON, the seed APIs' error bodies, echo, byte streams and injected faults.
//
// Endpoints (JSON unless said otherwise; HEAD gets headers only; `Connection: close` or `close=1` in the
// query closes after the answer):
//   GET /, /v1/...            200 {"ok":true,"method":…,"path":…}; other unknown paths 404 NestJS-style
//   /echo[/...] (any method)  200 {"method","target" (raw bytes),"version","headers":[[name,value]…],
//                             "body_sha256","body_length"}
//   /bytes?n=N                N bytes, byte i = i % 251; &chunked=1 or &framing=close; &slow_ms=M between
//                             64,256-byte blocks
//   /status/CODE              CODE with ?body=NAME (ErrorBodies.allNames: nestjs-*, keva-*, upwell-*, problem,
//                             problem-with-code, html, traceback, text, invalid-json, empty; default NestJS-style),
//                             &encoding=gzip|deflate (&blocks=stored for stored blocks), &chunked=1,
//                             &retry_after=S, &ratelimit_headers=1
//   /redirect[?to=URL]        302 with Location
//   /response-headers?K=V…    200 with each query pair as a response header
//   /slow?ms=M                200 after M ms
//   /hits, /hits/reset        requests counted so far (not counting /hits*, /connections, /health, /admin/*)
//   /connections              {"connections": accepted so far, "open": open now}
//   /health                   200 {"status":"ok"}, or 503 after /admin/health?ok=0 (ok=1 restores)
//   /admin/fail-next?n=K&status=S   the next K counted requests answer S (default 503)
//   /admin/chaos?percent=P    P % of counted requests get a random fault (503, slow, close/reset before the head,
//                             close mid-body, garbage status line); percent=0 stops it
//   /admin/stall?on=1|0       every request outside /admin/ is read and never answered
//   /fault/close-before-head, /fault/close-mid-body[?chunked=1], /fault/garbage-status  (&rst=1: TCP reset)
//   /fault/never-answer       reads the request, answers nothing until the client closes
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
