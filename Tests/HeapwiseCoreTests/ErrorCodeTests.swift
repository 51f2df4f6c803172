import Testing
@testable import HeapwiseCore

/// Error numbers are stable ABI for scripts and a future C API: distinct, in their type's
/// range, and given to the right failures.
@Suite struct ErrorCodeTests {
    @Test func inputErrorCodesAreDistinctAndInRange() {
        let codes = InputError.Code.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { (100..<200).contains($0) })
    }

    @Test func modelErrorsHaveTheirRanges() {
        let constraint: [ConstraintError] = [
            .alignmentOverflow(field: "x", 1, 2), .nonPositive(field: "x", 0), .negative(field: "x", -1),
            .notPowerOfTwo(field: "x", 3), .addressBitsOutOfRange(80), .iovaBitsOutOfRange(8),
        ]
        let layout: [LayoutError] = [.overflow(width: 1, height: 1), .opaqueModifier(.linear, reason: "r")]
        let names: [any HeapwiseError] = [
            FormatError.unknownFormat("x", suggestion: nil),
            ModifierError.unknownModifier("x", suggestion: nil), ModifierError.invalidArguments("x", expected: "y"),
        ]
        #expect(Set(constraint.map(\.numericCode)).count == constraint.count)
        #expect(constraint.allSatisfy { (200..<300).contains($0.numericCode) })
        #expect(Set(layout.map(\.numericCode)).count == layout.count)
        #expect(layout.allSatisfy { (300..<400).contains($0.numericCode) })
        #expect(names.map(\.numericCode) == [400, 450, 451])
    }

    /// Each kind of mistake in a profile comes back with its own code.
    @Test(arguments: [
        ("name: x\nusages: {}\nbogus: 1\n", InputError.Code.unknownKey),
        ("description: x\n", .missingKey),
        ("name: x\nusages: { scanout: { formats: [NV13] } }\n", .unknownName),
        ("name: x\nconstraints: { pitch_alignment: 0 }\nusages: { scanout: { formats: [NV12] } }\n", .invalidValue),
        ("name: x\nconstraints: { pitch_alignment: wide }\nusages: { scanout: { formats: [NV12] } }\n", .wrongType),
        ("name: [x\n", .syntax),
        ("", .emptyDocument),
    ])
    func profileMistakesAreClassified(_ text: String, _ expected: InputError.Code) {
        let error = #expect(throws: InputError.self) { try ProfileParser.parse(text, file: "p.yaml") }
        #expect(error?.code == expected, "\(error?.description ?? "")")
    }
}
