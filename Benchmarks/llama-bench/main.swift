// llama-bench: performance of SwiftLlama's kernels, printed as JSON.
//
//   swift run -c release llama-bench kernels [--threads N]
//
// Every speed is reported next to the machine's sustained read bandwidth, measured by
// this same program in the same run.

import Foundation
import LlamaTensor

struct KernelReport: Encodable {
    var benchmark = "kernels"
    let threads: Int
    let readBandwidthGBps: Double
    let matrixVector: [KernelBenchmark.Result]

    enum CodingKeys: String, CodingKey {
        case benchmark, threads, readBandwidthGBps = "read_bandwidth_gbps", matrixVector = "matrix_vector"
    }
}

func usage() -> Never {
    FileHandle.standardError.write(Data("""
    usage: llama-bench kernels [--threads N]

    """.utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first.map { _ in arguments.removeFirst() } ?? "kernels"
var threads: Int? = nil
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    switch flag {
    case "--threads":
        guard let value = arguments.first.flatMap(Int.init), value > 0 else { usage() }
        arguments.removeFirst()
        threads = value
    case "--help", "-h":
        usage()
    default:
        FileHandle.standardError.write(Data("llama-bench: unknown option \(flag)\n".utf8))
        usage()
    }
}

let pool = ThreadPool(threadCount: threads)
switch mode {
case "kernels":
    let bandwidth = Bandwidth.measureRead(pool: pool)
    let results = [(2048, 8192), (8192, 2048)].map { rows, cols in
        KernelBenchmark.matrixVector(rows: rows, cols: cols, dtype: .bf16, pool: pool, bandwidth: bandwidth)
    }
    let report = KernelReport(threads: pool.threadCount, readBandwidthGBps: bandwidth, matrixVector: results)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(report), as: UTF8.self))
default:
    usage()
}
