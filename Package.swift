// swift-tools-version:6.0
// SwiftLlama: Meta's Llama 3.x on the CPU, from the original checkpoint folder, in Swift.
//
// No package dependencies and no `unsafeFlags` in any target: unsafe flags make a package
// unusable as a versioned dependency of another package. Speed on wide processors comes
// from LlamaKernels, whose C loops carry per-function target attributes and are chosen at
// run time (Documentation/20-Performance.md).

import PackageDescription

let package = Package(
    name: "SwiftLlama",
    // macOS 15 for the standard library's `Atomic` (Synchronization), which the thread
    // pool's workers spin on. Linux has no such floor.
    platforms: [.macOS(.v15)],
    products: [
        // MARK: Libraries other packages import
        .library(name: "LlamaModel", targets: ["LlamaModel"]),
        .library(name: "LlamaTokenizer", targets: ["LlamaTokenizer"]),
        .library(name: "LlamaLoader", targets: ["LlamaLoader"]),
        .library(name: "LlamaTensor", targets: ["LlamaTensor"]),
        // MARK: Tools
        .executable(name: "llama-cli", targets: ["llama-cli"]),
        .executable(name: "llama-bench", targets: ["llama-bench"]),
        .executable(name: "tokenizer-bench", targets: ["tokenizer-bench"]),
    ],
    targets: [
        // MARK: Libraries
        // Dependency direction: LlamaTensor <- LlamaLoader <- LlamaModel -> LlamaTokenizer.
        // LlamaKernels (C) holds the inner loops compiled per instruction set and chosen at
        // run time; only LlamaTensor calls it.
        .target(name: "LlamaKernels"),
        .target(name: "LlamaTensor", dependencies: ["LlamaKernels"]),
        .target(name: "LlamaLoader", dependencies: ["LlamaTensor"]),
        .target(name: "LlamaTokenizer"),
        .target(name: "LlamaModel", dependencies: ["LlamaTensor", "LlamaLoader", "LlamaTokenizer"]),
        // The SVG writer of the tools' pictures (Documentation/Images), shared by llama-cli
        // and llama-bench; no other target needs it.
        .target(name: "SVGWriter"),

        // MARK: Executables
        .executableTarget(name: "llama-cli", dependencies: ["LlamaModel", "LlamaLoader", "LlamaTokenizer", "LlamaTensor", "SVGWriter"]),
        .executableTarget(
            name: "llama-bench",
            dependencies: ["LlamaModel", "LlamaTensor", "LlamaKernels", "SVGWriter"],
            path: "Benchmarks/llama-bench"
        ),
        // The complete example of Documentation/16-Using-the-Library.md, compiled in CI so
        // the chapter's code cannot rot.
        .executableTarget(
            name: "llama-example",
            dependencies: ["LlamaModel"],
            path: "Documentation/Examples/llama-example"
        ),
        // The session examples of the same chapter, compiled in CI and run by a test.
        .executableTarget(
            name: "llama-sessions",
            dependencies: ["LlamaModel"],
            path: "Documentation/Examples/llama-sessions"
        ),
        .executableTarget(
            name: "tokenizer-bench",
            dependencies: ["LlamaTokenizer"],
            path: "Benchmarks/tokenizer-bench"
        ),

        // MARK: Tests
        // Helpers shared by the test targets: fixture paths, approximate comparison.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LlamaTensorTests", dependencies: ["LlamaTensor", "TestSupport"]),
        .testTarget(name: "LlamaLoaderTests", dependencies: ["LlamaLoader", "TestSupport"]),
        .testTarget(name: "LlamaTokenizerTests", dependencies: ["LlamaTokenizer", "TestSupport"]),
        .testTarget(name: "LlamaModelTests", dependencies: ["LlamaModel", "TestSupport"]),
        // Runs the built llama-cli and llama-bench binaries (the dependencies make
        // `swift build --build-tests` build them).
        .testTarget(name: "LlamaCLITests", dependencies: ["llama-cli", "llama-bench", "llama-sessions", "LlamaLoader", "LlamaTensor", "TestSupport"]),
        // The chapters stay true to the code: excerpts, links and transcripts are checked.
        .testTarget(name: "DocumentationTests", dependencies: ["llama-cli", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
