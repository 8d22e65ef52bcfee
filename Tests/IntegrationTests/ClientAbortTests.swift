import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A try that ends because the client went away is not a failure of the target (SPEC §4; issue 10 item 7).
final class ClientAbortTests: IntegrationTestCase {
    func testClientsLeavingMidRequestNeitherOpenTheBreakerNorCountAsFailures() throws {
        try startSluice { $0.upstream = ["circuit_breaker: { failures: 2, open_for: 60s }", "retries: 0"] }
        // Waiting for the head, mid-body of a streamed answer, and while an error body is collected.
        let targets = ["/slow?ms=1500", "/bytes?n=2000000&slow_ms=300", "/slow?ms=1500", "/bytes?n=2000000&slow_ms=300&chunked=1",
                       "/slow?ms=1500", "/bytes?n=2000000&slow_ms=300"]
        for (index, path) in targets.enumerated() {
            let client = try connectToSluice()
            client.send(RawHTTPClient.requestBytes("GET", path))
            usleep(400_000)  // the request is on its way upstream
            if index % 2 == 1 {
                // A reset rather than a FIN.
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            client.close()
        }
        usleep(300_000)
        let target = try upstreamStats(of: upstream.address)
        XCTAssertEqual(target.failures, 0, "client aborts counted as target failures")
        XCTAssertEqual(target.circuit, "closed")
        XCTAssertEqual(try send(try connectToSluice(), "GET", "/v1/afterwards").status, 200)
    }
}
