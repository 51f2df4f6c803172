/// Overflow-checked integer helpers for layout math: every size in Heapwise comes from
/// untrusted input (a 2^31 × 2^31 pipeline must be an error, not a trap), so each operation
/// reports overflow as `nil` instead of trapping.
enum Arithmetic {
    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// Least common multiple of two positive numbers, or nil on overflow.
    static func lcm(_ a: Int, _ b: Int) -> Int? {
        let (product, overflow) = (a / gcd(a, b)).multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    /// `value` rounded up to a multiple of `alignment` (> 0), or nil on overflow.
    static func alignUp(_ value: Int, _ alignment: Int) -> Int? {
        let remainder = value % alignment
        if remainder == 0 { return value }
        let (sum, overflow) = value.addingReportingOverflow(alignment - remainder)
        return overflow ? nil : sum
    }

    static func divideRoundingUp(_ value: Int, _ divisor: Int) -> Int {
        value / divisor + (value % divisor == 0 ? 0 : 1)
    }

    static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    static func add(_ a: Int, _ b: Int) -> Int? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }
}
