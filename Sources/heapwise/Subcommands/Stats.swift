import ArgumentParser
import Glibc
import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who holds which dma-buf memory: per process, heap, buffer or buffer name, from /proc.",
        discussion: """
            dma-buf memory is not in a process's RSS. This reads every process this user may read \
            (/proc/PID/fdinfo and /proc/PID/maps), counts each buffer once by its inode, and divides \
            shared buffers among their holders. What it could not read is named below the tables. \
            With --watch it prints what changed between snapshots, and leak hints.
            """
    )

    @Option(help: "Only the buffers this process holds (their shares still count every holder).")
    var pid: Int32?

    @Option(help: "One table: process, heap, buffer or name (default: processes, then heaps).")
    var by: DMABufStatsReport.View?

    @Option(help: "Take a snapshot every SECONDS and print what changed (new, freed, grown), with leak hints.")
    var watch: Double?

    @Option(help: "With --watch, stop after this many snapshots (default: until interrupted).")
    var count: Int?

    @Option(name: .customLong("proc"), help: "Read this /proc-shaped directory instead of /proc (a saved or synthetic tree).")
    var procRoot = "/proc"

    @Flag(help: "Show what this user holds of the allocation broker's buffers, and its quota (everyone's, as root).")
    var broker = false

    @Option(help: "The broker's socket, with --broker.")
    var socket = BrokerClient.defaultSocket

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if broker && (pid != nil || by != nil || watch != nil || procRoot != "/proc") {
            throw ValidationError("--broker shows the broker's account of this user; it takes no --pid, --by, --watch or --proc")
        }
        if let watch, !(watch >= 0.001 && watch <= 86_400) { throw ValidationError("--watch must be at least 0.001 and at most 86400 seconds") }
        if let count {
            guard watch != nil else { throw ValidationError("--count needs --watch") }
            guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a process id, more than 0") }
    }

    func run() throws {
        if broker {
            do {
                let holdings = try BrokerClient(socket: socket, client: "heapwise stats").stats()
                print(output.json ? holdings.json.serialized() : holdings.text)
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.allocationFailed
            }
            return
        }
        let live = procRoot == "/proc"
        let reader = DMABufAccounting(procRoot: procRoot, sysRoot: live ? "/sys" : nil,
                                      cmaAreas: live ? DMABufAccounting.cmaAreas(of: HeapDiscovery.discover(ramTop: RAMTopReader.read())) : [])
        guard UserFiles.isDirectory(procRoot) else {
            printError("heapwise: error: \(procRoot): no such directory; --proc takes a /proc-shaped directory")
            throw Exit.invalidInput
        }
        let uid = DMABufAccounting.readerUID
        if let pid {
            switch reader.target(pid) {
            case .process: break
            case .none:
                printError("heapwise: error: no process \(pid) in \(procRoot)")
                throw Exit.invalidInput
            case let .thread(of: process):
                printError("heapwise: error: \(pid) is a thread of process \(process); dma-bufs are held by processes: use --pid \(process)")
                throw Exit.invalidInput
            }
        }
        guard let watch else {
            let report = DMABufStatsReport(DMABufAccount(reader.snapshot()), pid: pid, readerUID: uid)
            try refuseUnreadable(report)
            print(output.json ? report.json.serialized() : report.text(by: by))
            return
        }
        var previous: DMABufAccount?
        var leaks = LeakWatch()
        var failed = false
        reader.watch(every: .milliseconds(Int64((watch * 1000).rounded())), count: count) { account, elapsed in
            leaks.record(account)
            let seconds = Int(elapsed.components.seconds)
            if let before = previous {
                let changes = DMABufChanges(from: before, to: account, pid: pid)
                let hints = leaks.hints
                if output.json {
                    print(changes.json(elapsedSeconds: seconds, hints: hints).serialized(indent: nil))
                } else if !changes.isEmpty || !hints.isEmpty {
                    print(changes.text(label: "after \(seconds) s"))
                    for hint in hints { print("  " + hint.text) }
                }
            } else {
                let report = DMABufStatsReport(account, pid: pid, readerUID: uid)
                if (try? refuseUnreadable(report)) == nil { failed = true; return false }
                print(output.json ? report.json.serialized(indent: nil) : report.text(by: by) + "\n\n" + LeakWatch.explanation + "\n\nwatching every \(watch) s …")
            }
            fflush(nil)  // every stream: a pipe to a script sees each snapshot as it happens
            previous = account
            return true
        }
        if failed { throw Exit.allocationFailed }
    }

    /// `--pid` of a process whose fds this user may not read is an error, not an empty report.
    private func refuseUnreadable(_ report: DMABufStatsReport) throws {
        guard let pid, let gap = report.account.snapshot.gaps.first(where: { $0.pid == pid && $0.reason == .notPermitted }) else { return }
        let owner = gap.detail.map { $0 == "?" ? "" : " (user \($0))" } ?? ""
        printError("heapwise: error: process \(pid)\(owner) may not be read by uid \(DMABufAccounting.readerUID): /proc/\(pid)/fd refused (EACCES); run as root or as its user")
        throw Exit.allocationFailed
    }
}

extension DMABufStatsReport.View: ExpressibleByArgument {}
