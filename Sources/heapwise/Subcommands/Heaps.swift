import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

struct Heaps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List this machine's allocators: dma-buf heaps, ION heaps, udmabuf and the memfd fallback."
    )

    @OptionGroup var output: OutputOptions

    func run() {
        let ramTop = RAMTopReader.read()
        var found = HeapDiscovery.discover(ramTop: ramTop)
        found.append(DiscoveredHeap(heap: Memfd.description, node: "memfd_create(2)", accessible: true))
        var notes: [String] = []
        // ION's heaps are listed only by opening /dev/ion; say so when this user cannot.
        if !found.contains(where: \.heap.isION),
           case let .unlisted(error) = HeapDiscovery.discoverION(physicalBits: ramTop.addressBits, meminfo: "") {
            notes.append("ION heaps not listed: \(error)")
        }
        let report = HeapsReport(heaps: found, ramTop: ramTop, heapDirectory: HeapDiscovery.heapDirectory,
                                 inaccessibleRemedy: LinuxError.inaccessibleNodeRemedy, notes: notes)
        print(output.json ? report.json.serialized() : report.text)
    }
}
