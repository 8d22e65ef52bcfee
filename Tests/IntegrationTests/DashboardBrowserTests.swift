import Foundation
import XCTest

/// The dashboard (`GET /` on the admin listener, SPEC §8) in a real browser: Debian's headless Chromium loads it from
/// a running sluice, and the page must show what `/stats` says after known traffic, ask for the admin token and send
/// it as a Bearer header, and fetch nothing but `/stats`. A screenshot of each run is kept in the temporary directory.
final class DashboardBrowserTests: IntegrationTestCase {
    /// Where the screenshots go (kept after the run, never committed).
    static let artifacts = NSTemporaryDirectory() + "sluice-test-artifacts"

    private func keepScreenshot(_ png: Data, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let path = Self.artifacts + "/\(name).png"
        try png.write(to: URL(fileURLWithPath: path))
        print("dashboard screenshot: \(path)")
        return path
    }

    /// Four answers from the upstream, then three 503s that open the circuit (failures: 3), then one refused at once.
    private func sendTrafficThatOpensTheCircuit() throws {
        let client = try connectToSluice()
        for i in 0..<4 { XCTAssertEqual(try send(client, "GET", "/v1/dashboard/\(i)").status, 200) }
        XCTAssertEqual(try send(try upstream.connect(), "GET", "/admin/fail-next?n=3&status=503").status, 200)
        for i in 0..<3 { XCTAssertEqual(try send(client, "GET", "/v1/failing/\(i)").status, 503) }
        XCTAssertEqual(try send(client, "GET", "/v1/refused").status, 503)
    }

    private func startSluiceWithABreaker(token: String? = nil) throws -> SluiceProcess {
        try startSluice {
            $0.upstream = ["retries: 0", "circuit_breaker: { failures: 3, open_for: 5m }"]
            if let token { $0.admin = [#"token: "\#(token)""#] }
        }
    }

    private func dashboardURL(_ sluice: SluiceProcess) throws -> String {
        "http://127.0.0.1:\(try XCTUnwrap(sluice.adminPort, "no admin listener"))/"
    }

    func testTheDashboardShowsTheRequestTotalAndCircuitStateOfStats() throws {
        let sluice = try startSluiceWithABreaker()
        try sendTrafficThatOpensTheCircuit()
        let figures = try sluice.stats()
        let total = try XCTUnwrap(figures.jsonInt(at: "requests", "total"))
        XCTAssertEqual(total, 8)
        let target = try XCTUnwrap((figures["upstreams"] as? [[String: Any]])?.first)
        XCTAssertEqual(target["circuit"] as? String, "open", "\(target)")

        let browser = try HeadlessChromium()
        let page = try browser.open(try dashboardURL(sluice))
        let row = #"document.querySelector('#targets tr[data-target="\#(upstream.address)"]')"#
        try browser.waitUntil("document.getElementById('total-requests').textContent === '\(total)'", in: page)
        try browser.waitUntil("\(row) !== null && \(row).querySelector('.circuit').textContent === 'open'", in: page)
        XCTAssertEqual(try browser.evaluate("\(row).querySelector('.failures').textContent", in: page) as? String, "3")
        XCTAssertEqual(try browser.evaluate("\(row).querySelector('.requests').textContent", in: page) as? String, "7")
        XCTAssertEqual(try browser.evaluate("\(row).querySelector('.health').textContent", in: page) as? String,
                       target["healthy"] as? Bool == true ? "healthy" : "unhealthy")
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('#chart-rates polyline').length", in: page) as? Int, 5,
                       "one line per status class")
        XCTAssertEqual(try browser.evaluate("document.querySelector('#shapes tr[data-shape=\"problem_json\"]') !== null", in: page) as? Bool, true)
        // Self-contained: the page fetched nothing but /stats on its own origin.
        let fetched = try XCTUnwrap(try browser.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name)", in: page) as? [String])
        XCTAssertFalse(fetched.isEmpty)
        XCTAssertTrue(fetched.allSatisfy { $0 == (try? dashboardURL(sluice) + "stats") }, "the page fetched \(fetched)")

        let png = try browser.screenshot(page)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG")
        XCTAssertGreaterThan(png.count, 10_000, "an empty-looking screenshot")
        _ = try keepScreenshot(png, name: "dashboard")
    }

    func testWithAnAdminTokenThePageAsksForItAndSendsItAsABearerHeader() throws {
        let token = "dash-token-5e1f-secret"
        let sluice = try startSluiceWithABreaker(token: token)
        try sendTrafficThatOpensTheCircuit()
        let total = try XCTUnwrap(try sluice.stats(token: token).jsonInt(at: "requests", "total"))

        let browser = try HeadlessChromium()
        let page = try browser.open(try dashboardURL(sluice))
        try browser.waitUntil("!document.getElementById('token-form').hidden", in: page)
        XCTAssertEqual(try browser.evaluate("document.getElementById('total-requests').textContent", in: page) as? String, "–",
                       "figures shown without the token")

        func submit(_ typed: String) throws {
            try browser.evaluate("""
                document.getElementById('token-input').value = '\(typed)';
                document.getElementById('token-form').requestSubmit();
                """, in: page)
        }
        try submit("not-the-token")
        try browser.waitUntil("!document.getElementById('token-form').hidden && !document.getElementById('token-error').hidden", in: page)
        _ = try keepScreenshot(try browser.screenshot(page), name: "dashboard-token-prompt")

        try submit(token)
        try browser.waitUntil("document.getElementById('total-requests').textContent === '\(total)'", in: page)
        XCTAssertEqual(try browser.evaluate("document.getElementById('token-form').hidden", in: page) as? Bool, true)
        let urls = try XCTUnwrap(try browser.evaluate(
            "[location.href].concat(performance.getEntriesByType('resource').map(e => e.name))", in: page) as? [String])
        XCTAssertFalse(urls.contains { $0.contains(token) || $0.contains("not-the-token") }, "a token in a URL: \(urls)")
        XCTAssertEqual(try browser.evaluate("document.body.innerHTML.includes('\(token)')", in: page) as? Bool, false,
                       "the token left in the page")
    }

    func testTheDashboardIsServedWithoutTheTokenAndForbidsOtherOrigins() throws {
        let sluice = try startSluiceWithABreaker(token: "page-needs-no-token")
        let response = try sluice.adminRequest("/")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("content-type"), "text/html; charset=utf-8")
        let policy = try XCTUnwrap(response.header("content-security-policy"))
        XCTAssertTrue(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"), policy)
        XCTAssertTrue(response.text.hasPrefix("<!DOCTYPE html>"))
        let otherOrigins = response.text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        for scheme in ["http://", "https://", "\"//", "'//", "url("] {
            XCTAssertFalse(otherOrigins.contains(scheme), "the page refers to another origin (\(scheme))")
        }
        XCTAssertFalse(response.text.contains("page-needs-no-token"))
        XCTAssertEqual(try sluice.adminRequest("/", method: "HEAD").body.count, 0)
    }
}
