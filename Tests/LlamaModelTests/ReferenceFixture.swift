// The tiny checkpoints and what Meta's model.py computed for them
// (Scripts/make_model_fixtures.py, Tests/Fixtures/models/README.md).

import Foundation
import LlamaLoader
import TestSupport

/// `reference.json`: Meta's float32 forward pass over the fixture's bf16 weights.
struct Reference: Decodable {
    let prompt: [Int32]
    let promptLastLogits: [Float]
    let greedy: [Int32]
    let greedyMargins: [Float]
    let fullLastLogits: [Float]
    let decodeLogits: [[Float]]?
    let promptLastLogitsUnscaled: [Float]?

    enum CodingKeys: String, CodingKey {
        case prompt, greedy
        case promptLastLogits = "prompt_last_logits"
        case greedyMargins = "greedy_margins"
        case fullLastLogits = "full_last_logits"
        case decodeLogits = "decode_logits"
        case promptLastLogitsUnscaled = "prompt_last_logits_unscaled"
    }
}

enum ModelFixtures {
    static let names = ["gqa-scaled", "mha-unscaled", "tied-output", "long-context"]

    static func folderURL(_ name: String) -> URL { Fixtures.url("models/\(name)") }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folderURL(name).appendingPathComponent("reference.json")))
    }
}
