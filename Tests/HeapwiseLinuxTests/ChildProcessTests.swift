import HeapwiseCore
@testable import HeapwiseLinux
import SystemPackage
import Testing

/// The one `posix_spawn` of Heapwise: output through a pipe, errors after it, descriptors at
/// the child's numbers, exit codes as a shell reports them, and a program that is not there
/// named with its errno (posix_spawn returns the error; errno is not set).
@Suite(.serialized) struct ChildProcessTests {
    @Test func outputAndErrorsComeBackInOrderWithTheExitCode() throws {
        let child = try ChildProcess.spawn(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], output: .pipe, errors: .sameAsOutput)
        #expect(String(decoding: child.readOutput(), as: UTF8.self) == "out\nerr\n")
        #expect(child.wait() == 3)
        #expect(child.wait() == 3, "waiting again answers from what was reaped")
    }

    @Test func aDescriptorIsPassedAtTheChildsNumberAndTheEnvironmentExtended() throws {
        let memfd = try Memfd().allocate(byteCount: 4096)
        let child = try memfd.withUnsafeDescriptor { fd in
            try ChildProcess.spawn(["/bin/sh", "-c", "test -e /proc/self/fd/7 && echo \"$HEAPWISE_CHILD_TEST\""], output: .pipe, passing: [7: fd],
                                   environment: ["HEAPWISE_CHILD_TEST": "passed"])
        }
        #expect(String(decoding: child.readOutput(), as: UTF8.self) == "passed\n")
        #expect(child.wait() == 0)
    }

    @Test func aProgramEndedBySIGTERMReports143() throws {
        let child = try ChildProcess.spawn(["/bin/sh", "-c", "exec sleep 30"])
        #expect(!child.hasExited)
        #expect(child.terminate() == 128 + 15)
    }

    @Test func aMissingProgramIsNotFoundWithItsErrno() {
        let error = #expect(throws: LinuxError.self) { try ChildProcess.spawn(["/nonexistent/heapwise-child"]) }
        #expect(error?.errno == .noSuchFileOrDirectory && error?.code == .notFound && error?.node == "/nonexistent/heapwise-child")
    }
}
