/// Requests per second per user, as a token bucket: a rule's `requests_per_second` tokens,
/// refilled continuously, so a burst of that many is allowed and a steady stream above the
/// rate is refused. Per uid, not per connection: opening more connections does not help.
struct RateLimiter {
    private var buckets: [UInt32: (tokens: Double, at: ContinuousClock.Instant)] = [:]
    private let clock = ContinuousClock()

    /// Takes one token for `uid`; false when the bucket is empty.
    mutating func allow(_ uid: UInt32, perSecond rate: Int) -> Bool {
        let now = clock.now
        let capacity = Double(rate)
        var bucket = buckets[uid] ?? (capacity, now)
        let elapsed = bucket.at.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(capacity, bucket.tokens + seconds * capacity)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[uid] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[uid] = bucket
        return true
    }
}
