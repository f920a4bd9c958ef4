// BFloat16 against real torch.bfloat16 conversions (Scripts/make_bfloat16_fixtures.py).

import Foundation
import Testing
import TestSupport
@testable import LlamaTensor

@Suite("BFloat16")
struct BFloat16Tests {
    /// Every bf16 bit pattern widens to the float32 torch gives, bit for bit (NaN payloads
    /// included): widening must be exact or every weight in the model is off.
    @Test func widensAll65536PatternsLikeTorch() throws {
        let data = try Data(contentsOf: Fixtures.url("bfloat16/widen.u32"))
        #expect(data.count == 65536 * 4)
        var mismatches = 0
        data.withUnsafeBytes { raw in
            for pattern in 0..<65536 {
                let expected = raw.loadUnaligned(fromByteOffset: pattern * 4, as: UInt32.self)
                let got = BFloat16(bitPattern: UInt16(pattern)).floatValue.bitPattern
                if got != UInt32(littleEndian: expected) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    /// Rounding float32 -> bf16 matches torch bit for bit on ties, subnormals, infinities,
    /// overflow and 20,000 random bit patterns. NaN must stay NaN, but its bits are not
    /// compared: torch itself disagrees with itself there (its vectorized conversion writes
    /// 0xFFFF, its scalar one 0x7FC0, which is what we write).
    @Test func narrowsLikeTorch() throws {
        let data = try Data(contentsOf: Fixtures.url("bfloat16/narrow.bin"))
        let count = data.count / 6
        #expect(count > 20000)
        var failures: [String] = []
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                let input = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 6, as: UInt32.self))
                let expected = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 6 + 4, as: UInt16.self))
                let got = BFloat16(Float(bitPattern: input)).bitPattern
                if Float(bitPattern: input).isNaN {
                    if !(BFloat16(bitPattern: got).isNaN && BFloat16(bitPattern: expected).isNaN) {
                        failures.append(String(format: "NaN %08x -> %04x, torch %04x", input, got, expected))
                    }
                } else if got != expected && failures.count < 5 {
                    failures.append(String(format: "%08x -> %04x, torch %04x", input, got, expected))
                }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Every non-NaN pattern survives bf16 -> Float -> bf16 unchanged; NaNs stay NaN.
    @Test func everyPatternRoundTrips() {
        for pattern in 0...UInt16.max {
            let value = BFloat16(bitPattern: pattern)
            let back = BFloat16(value.floatValue)
            if value.isNaN {
                #expect(back.isNaN)
            } else if back.bitPattern != pattern {
                Issue.record("pattern \(pattern) came back as \(back.bitPattern)")
            }
        }
    }

    @Test func tiesRoundToEven() {
        // 1 + 2^-8 lies exactly between 1 (even mantissa) and 1 + 2^-7 (odd).
        #expect(BFloat16(Float(1.00390625)).bitPattern == 0x3F80)
        // 1 + 3·2^-8 lies between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
        #expect(BFloat16(Float(1.01171875)).bitPattern == 0x3F82)
        #expect(BFloat16(Float.greatestFiniteMagnitude).bitPattern == 0x7F80)  // overflows to +inf
        #expect(BFloat16(-Float.infinity).bitPattern == 0xFF80)
        #expect(BFloat16(Float.nan).isNaN)
    }
}
