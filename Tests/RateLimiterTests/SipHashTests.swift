@testable import RateLimiter
import XCTest

final class SipHashTests: XCTestCase {
    private let reference = SipHash(key0: 0x0706_0504_0302_0100, key1: 0x0f0e_0d0c_0b0a_0908)

    private func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0) } }

    func testSixtyFourBitOutputMatchesTheReferenceVectors() {
        XCTAssertEqual(bytes(0).withUnsafeBytes { reference.hash64($0) }, 0x726f_db47_dd0e_0e31)
        XCTAssertEqual(bytes(8).withUnsafeBytes { reference.hash64($0) }, 0x93f5_f579_9a93_2462)
        XCTAssertEqual(bytes(15).withUnsafeBytes { reference.hash64($0) }, 0xa129_ca61_49be_45e5)
    }

    func testOneHundredTwentyEightBitOutputMatchesTheReferenceVector() {
        let (low, high) = bytes(0).withUnsafeBytes { reference.hash128($0) }
        XCTAssertEqual(low, 0xe6a8_25ba_047f_81a3)
        XCTAssertEqual(high, 0x9302_55c7_1472_f66d)
    }
}
