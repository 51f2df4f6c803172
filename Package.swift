// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Heapwise",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HeapwiseCore", targets: ["HeapwiseCore"]),
        .library(name: "HeapwiseLinux", targets: ["HeapwiseLinux"]),
        .library(name: "HeapwiseLoading", targets: ["HeapwiseLoading"]),
        .library(name: "HeapwiseBroker", targets: ["HeapwiseBroker"]),
        .library(name: "HeapwiseClient", targets: ["HeapwiseClient"]),
        // The front door (`HeapwiseContext`): what a Swift program imports.
        .library(name: "Heapwise", targets: ["Heapwise"]),
        // libheapwise for C and C++ programs (include/heapwise/heapwise.h). `make install`
        // installs it as libheapwise.so.0 with heapwise.pc.
        .library(name: "HeapwiseC", type: .dynamic, targets: ["HeapwiseCAPI"]),
        .executable(name: "heapwise", targets: ["heapwise"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // `swift package generate-documentation`: the DocC catalog of the Heapwise module,
        // built by the test command (a command plugin: nothing of it is linked into Heapwise).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        // Pure model: formats, modifiers, constraints, resolver, layout, heap catalog.
        // No Glibc, no file descriptors, no syscalls (see ../shared/STYLE.md).
        .target(name: "HeapwiseCore", dependencies: ["CYAML"]),
        // libyaml (Debian's libyaml-dev), which HeapwiseCore's YAML reader composes its tree from.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // ioctl wrappers and uapi constants Swift cannot import directly.
        .target(name: "CHeapwiseLinux"),
        // The only code that talks to the kernel: heaps, dma-bufs, CPU mapping, discovery.
        .target(
            name: "HeapwiseLinux",
            dependencies: [
                "HeapwiseCore", "CHeapwiseLinux",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // What to read for a pipeline, a profile directory or a heap catalog, and where to
        // look: the CLI, the broker and the C API load through here. Reads via HeapwiseLinux.
        .target(
            name: "HeapwiseLoading",
            dependencies: [
                "HeapwiseCore", "HeapwiseLinux",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The allocation broker (`heapwise serve`): a poll loop, the policy, quotas read from
        // /proc, buffers from one shared pool. It plans and lends through the front door.
        .target(
            name: "HeapwiseBroker",
            dependencies: [
                "Heapwise", "HeapwiseCore", "HeapwiseLinux",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The broker's client library: the same DMABuf values as in-process allocation.
        .target(
            name: "HeapwiseClient",
            dependencies: ["HeapwiseCore", "HeapwiseLinux"]
        ),
        // The front door: describe a pipeline, plan it, allocate it (in this process with the
        // heap fallback, or through the broker), lend it through a pool. The CLI and the C
        // library are its callers.
        .target(
            name: "Heapwise",
            dependencies: ["HeapwiseCore", "HeapwiseLinux", "HeapwiseLoading", "HeapwiseClient"]
        ),
        // The C API's header as a module, so the compiler checks each `@c @implementation`
        // of HeapwiseCAPI against the declaration C programs compile with.
        .systemLibrary(name: "CHeapwiseAPI", path: "include"),
        // The C API over the front door. Linked with the Swift runtime inside (-static-stdlib:
        // a C program needs no Swift toolchain), a SONAME, and a version script that exports
        // the header's functions only.
        .target(
            name: "HeapwiseCAPI",
            dependencies: ["Heapwise", "HeapwiseCore", "HeapwiseLinux", "CHeapwiseAPI"],
            exclude: ["libheapwise.map"],
            swiftSettings: [.unsafeFlags(["-static-stdlib"])],
            linkerSettings: [.unsafeFlags([
                "-static-stdlib",
                "-Xlinker", "-soname", "-Xlinker", "libheapwise.so.0",
                "-Xlinker", "--version-script=Sources/HeapwiseCAPI/libheapwise.map",
            ])]
        ),
        .executableTarget(
            name: "heapwise",
            dependencies: [
                "Heapwise", "HeapwiseCore", "HeapwiseLinux", "HeapwiseLoading", "HeapwiseBroker", "HeapwiseClient",
                // heapwise.h's types, for `bench c-api`, which loads libheapwise with dlopen.
                "CHeapwiseAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer harness for the profile, pipeline, catalog and hint readers
        // (scripts/fuzz.sh); without -DFUZZING a replayer of saved inputs.
        .executableTarget(name: "heapwise-fuzz", dependencies: ["HeapwiseCore"]),
        .testTarget(name: "HeapwiseCoreTests", dependencies: ["HeapwiseCore"]),
        .testTarget(name: "HeapwiseLinuxTests", dependencies: ["HeapwiseLinux"]),
        .testTarget(name: "HeapwiseLoadingTests", dependencies: ["HeapwiseLoading", "HeapwiseCore"]),
        // fork(2)ed helper processes for the accounting tests (a Swift child of fork may only
        // make async-signal-safe calls).
        .target(name: "CHeapwiseTestSupport", path: "Tests/CHeapwiseTestSupport"),
        .testTarget(name: "HeapwiseFacadeTests", dependencies: ["Heapwise", "HeapwiseCore", "HeapwiseLinux"]),
        .testTarget(name: "heapwiseTests", dependencies: ["heapwise", "Heapwise", "HeapwiseCore", "HeapwiseLinux", "HeapwiseLoading", "CHeapwiseTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
