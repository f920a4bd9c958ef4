// The values an unpickled torch checkpoint is made of: plain Python data plus the few
// torch objects the allow-list lets a pickle build (storages and tensors).
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// A Python value rebuilt from a pickle, or one of the torch objects it describes.
///
/// Lists and dicts are classes because they are in Python: a pickle creates an empty
/// dict, remembers it in the memo, then fills it, and a later memo reference must see the
/// filled dict. Containers are only valid inside `Unpickler.withValue(unpickling:...)`,
/// which empties them all when it returns.
package enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global (a class or function), not yet called.
    case global(PickleGlobal)
    /// A tensor storage named by a persistent id: bytes in the archive, not in the pickle.
    /// (Boxed, like `tensor`, so that every value fits in 24 bytes: the unpickler's stack
    /// and memo hold up to `Unpickler.valueLimit` of them.)
    indirect case storage(StorageReference)
    /// What `torch._utils._rebuild_tensor_v2` would build: a view of a storage.
    indirect case tensor(TensorReference)

    /// A short name of the value's kind, for error messages ("a dict", "an int", ...).
    package var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let global): return "the global \(global.qualifiedName)"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// A Python tuple. A class (though tuples are immutable) so that every container the
/// unpickler builds can be emptied one by one when it is done: freeing a million nested
/// tuples recursively would overflow the stack.
package final class PickleTuple {
    package var items: [PickleValue]

    package init(_ items: [PickleValue]) {
        self.items = items
    }
}

/// A Python list (shared by reference, like Python's).
package final class PickleList {
    package var items: [PickleValue] = []
}

/// A Python dict or `collections.OrderedDict`: insertion order kept, and a key set twice
/// keeps its first position with the last value, as in Python.
package final class PickleDict {
    package private(set) var keys: [PickleValue] = []
    package private(set) var values: [PickleValue] = []
    private var positionOfString: [String: Int] = [:]
    private var positionOfInt: [Int: Int] = [:]

    /// Sets `key` to `value`.
    package func set(_ key: PickleValue, _ value: PickleValue) {
        let existing: Int?
        switch key {
        case .string(let s): existing = positionOfString[s]
        case .int(let i): existing = positionOfInt[i]
        default: existing = nil  // other keys never matter to a state dict; kept in order
        }
        if let existing {
            values[existing] = value
            return
        }
        switch key {
        case .string(let s): positionOfString[s] = keys.count
        case .int(let i): positionOfInt[i] = keys.count
        default: break
        }
        keys.append(key)
        values.append(value)
    }

    /// The key-value pairs in insertion order.
    package var pairs: Zip2Sequence<[PickleValue], [PickleValue]> { zip(keys, values) }

    /// Drops every key and value (see `Unpickler`: how a deep or cyclic graph is freed).
    package func removeAll() {
        keys.removeAll()
        values.removeAll()
    }
}

/// A persistent id `('storage', storage_type, key, location, numel)`: the storage's bytes
/// are the archive entry `<folder>/data/<key>`.
package struct StorageReference: Equatable, Sendable {
    /// The element type, from the storage class (`torch.BFloat16Storage`, ...).
    package var type: TorchStorageType
    /// The entry name under `data/`.
    package var key: String
    /// The device it was saved from (`cpu`, `cuda:0`); we read every storage on the CPU.
    package var location: String
    /// The number of elements.
    package var elementCount: Int
}

/// The arguments of `_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)`.
package struct TensorReference: Equatable, Sendable {
    package var storage: StorageReference
    /// The first element's index in the storage (elements, not bytes).
    package var storageOffset: Int
    /// The sizes of the axes.
    package var size: [Int]
    /// Elements to step per axis; row-major contiguous when each is the product of the
    /// sizes after it.
    package var stride: [Int]
}
