// The allow-list: the only globals a checkpoint's pickle may name, and what each becomes.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import LlamaTensor

/// A global (`module.name`) that a torch checkpoint legitimately names.
///
/// A pickle's GLOBAL opcode names any importable Python object, and REDUCE calls it: that
/// is how a malicious `.pth` runs `os.system`. We never import or call anything. A GLOBAL
/// outside this list is an error at the moment it is read, and the few on it are
/// interpreted here by hand: `OrderedDict()` makes an empty dict, `_rebuild_tensor_v2`
/// records a view, the storage classes only name an element type.
package enum PickleGlobal: Equatable {
    /// `collections.OrderedDict`: what `state_dict()` returns.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_tensor(storage, offset, size, stride)`: older files.
    case rebuildTensor
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`: an `nn.Parameter`,
    /// which is its tensor.
    case rebuildParameter
    /// `torch.FloatStorage` and friends: the element type of a storage.
    case storageType(TorchStorageType)

    /// Looks `module.name` up in the allow-list.
    package init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _):
            guard let type = TorchStorageType(rawValue: name) else { return nil }
            self = .storageType(type)
        default: return nil
        }
    }

    /// `module.name`, as Python spells it.
    package var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageType(let type): return "torch.\(type.rawValue)"
        }
    }
}

/// The typed storage classes `torch.save` names in persistent ids.
package enum TorchStorageType: String, Sendable, CaseIterable {
    case float = "FloatStorage"
    case half = "HalfStorage"
    case bfloat16 = "BFloat16Storage"
    case double = "DoubleStorage"
    case long = "LongStorage"
    case int = "IntStorage"
    case short = "ShortStorage"
    case char = "CharStorage"
    case byte = "ByteStorage"
    case bool = "BoolStorage"

    /// The tensor element type, for the three that weights come in; `nil` for the rest.
    package var dtype: DType? {
        switch self {
        case .float: return .f32
        case .half: return .f16
        case .bfloat16: return .bf16
        default: return nil
        }
    }
}
