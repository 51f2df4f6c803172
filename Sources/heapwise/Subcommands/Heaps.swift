import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

struct Heaps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List this machine's allocators: dma-buf heaps, udmabuf and the memfd fallback."
    )

    @OptionGroup var output: OutputOptions

    func run() {
        let ramTop = RAMTopReader.read()
        var found = HeapDiscovery.discover(ramTop: ramTop)
        found.append(DiscoveredHeap(heap: Memfd.description, node: "memfd_create(2)", accessible: true))
        let report = HeapsReport(heaps: found, ramTop: ramTop, heapDirectory: HeapDiscovery.heapDirectory,
                                 inaccessibleRemedy: LinuxError.inaccessibleNodeRemedy)
        print(output.json ? report.json.serialized() : report.text)
    }
}
