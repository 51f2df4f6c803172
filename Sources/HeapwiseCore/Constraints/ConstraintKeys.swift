/// The constraint keys of a profile, in the order profiles and `ProfileWriter` list them.
/// Adding a key: a stored property in `Constraints` and one entry here (the table test
/// fails until both exist).
extension ConstraintKey {
    public static let all: [ConstraintKey] = [
        alignment("pitch_alignment", \.pitchAlignment, samples: [1, 2, 4, 16, 32, 48, 64, 128, 256, 4096],
                  "bytes, stride multiple"),
        alignment("offset_alignment", \.offsetAlignment, powerOfTwo: true, samples: [1, 4, 16, 64, 256, 4096],
                  "bytes, each plane's offset (power of two)"),
        alignment("width_alignment", \.widthAlignment, samples: [1, 2, 16, 32, 64], "pixels (macroblocks)"),
        alignment("height_alignment", \.heightAlignment, samples: [1, 2, 16, 32], "rows"),
        count("extra_rows", \.extraRows, samples: [0, 1, 8, 32, 64], "rows a driver adds after height alignment"),
        count("padding_bytes", \.paddingBytes, samples: [0, 64, 512, 1024], "bytes after each plane"),
        alignment("size_alignment", \.sizeAlignment, powerOfTwo: true, samples: [1, 4, 16, 64, 256, 4096],
                  "each buffer's total (power of two)"),
        limit("min_width", \.minWidth, law: .maximum, samples: [1, 2, 16, 48, 64], "pixels"),
        limit("min_height", \.minHeight, law: .maximum, samples: [1, 2, 16, 48, 64], "rows"),
        limit("max_width", \.maxWidth, law: .minimum, samples: [1024, 1920, 4096, 8192], "pixels"),
        limit("max_height", \.maxHeight, law: .minimum, samples: [1024, 1088, 2304, 8192], "rows"),
        ConstraintKey(
            "frame_sizes", \.frameSizes, law: .intersection, read: FrameSizes.parse, write: \.yaml,
            samples: FrameSizes.samples,
            "the only sizes it produces or accepts: [1280x720, …] or { min, max, step } (VIDIOC_ENUM_FRAMESIZES)"),
        limit("max_pitch", \.maxPitch, law: .minimum, samples: [4096, 16384, 65536], "bytes"),
        flag("contiguous", \.contiguous, law: .either, "true: needs physically contiguous memory"),
        ConstraintKey(
            "address_bits", \.addressBits, law: .minimum, read: readInt,
            write: { "\($0)" }, check: { (12...64).contains($0) ? nil : .addressBitsOutOfRange($0) },
            samples: [32, 36, 40, 48, 64], "highest physical address bit it can reach (the DMA mask width)"),
        flag("iommu", \.iommu, law: .both, "behind an IOMMU: pages above the mask are mapped for it"),
        ConstraintKey(
            "iova_bits", \.iovaBits, law: .minimum, read: readInt,
            write: { "\($0)" }, check: { (12...64).contains($0) ? nil : .iovaBitsOutOfRange($0) },
            samples: [28, 32, 39, 48, 64], "I/O virtual address bits behind its IOMMU (its aperture)"),
        alignment("iommu_granule", \.iommuGranule, powerOfTwo: true, samples: [4096, 16384, 65536],
                  "bytes, the IOMMU's smallest page (power of two)"),
        ConstraintKey(
            "cache", \.cache, law: .stricter,
            read: { (value: YAMLValue) throws(InputError) -> CacheRequirement in
                let text = try value.string()
                guard let cache = CacheRequirement(rawValue: text) else {
                    throw value.error("cache must be coherent, noncoherent or uncached, got '\(text)'")
                }
                return cache
            },
            write: { $0.rawValue }, samples: CacheRequirement.allCases,
            "coherent | noncoherent | uncached (needs an uncached heap)"),
        ConstraintKey(
            "plane_placement", \.placement, law: .finerPartition,
            read: PlanePlacement.parse, write: \.yaml,
            samples: PlanePlacement.samples,
            "planes that must be separate buffers"),
    ]

    /// An alignment in bytes, pixels or rows: positive (and a power of two where the hardware
    /// rule is an address mask), merged by least common multiple.
    private static func alignment(
        _ name: String, _ field: WritableKeyPath<Constraints, Int?> & Sendable, powerOfTwo: Bool = false,
        samples: [Int], _ explanation: String
    ) -> ConstraintKey {
        ConstraintKey(
            name, field, law: .leastCommonMultiple, read: readInt, write: { "\($0)" },
            check: { value in
                if value <= 0 { return .nonPositive(field: name, value) }
                if powerOfTwo && value & (value - 1) != 0 { return .notPowerOfTwo(field: name, value) }
                return nil
            },
            samples: samples, explanation)
    }

    /// A size limit: positive, merged by the tighter bound (`law` is `.maximum` for minimums).
    private static func limit(
        _ name: String, _ field: WritableKeyPath<Constraints, Int?> & Sendable, law: MergeLaw, samples: [Int], _ explanation: String
    ) -> ConstraintKey {
        ConstraintKey(
            name, field, law: law,
            read: readInt, write: { "\($0)" },
            check: { $0 > 0 ? nil : .nonPositive(field: name, $0) }, samples: samples, explanation)
    }

    /// A count of rows or bytes a driver adds: not negative, merged by the larger.
    private static func count(
        _ name: String, _ field: WritableKeyPath<Constraints, Int?> & Sendable, samples: [Int], _ explanation: String
    ) -> ConstraintKey {
        ConstraintKey(
            name, field, law: .maximum, read: readInt, write: { "\($0)" },
            check: { $0 >= 0 ? nil : .negative(field: name, $0) }, samples: samples, explanation)
    }

    /// A yes/no need or capability.
    private static func flag(
        _ name: String, _ field: WritableKeyPath<Constraints, Bool?> & Sendable, law: MergeLaw, _ explanation: String
    ) -> ConstraintKey {
        ConstraintKey(
            name, field, law: law,
            read: readBool, write: { "\($0)" }, samples: [false, true], explanation)
    }

    private static let readInt: @Sendable (YAMLValue) throws(InputError) -> Int = { (value) throws(InputError) in try value.int() }
    private static let readBool: @Sendable (YAMLValue) throws(InputError) -> Bool = { (value) throws(InputError) in try value.bool() }

    /// The table as the hot path walks it (see `ConstraintKeyLayout`).
    static let layouts: [ConstraintKeyLayout] = all.map(\.layout)

    /// The key named `name`, if there is one.
    public static func named(_ name: String) -> ConstraintKey? {
        all.first { $0.name == name }
    }
}
