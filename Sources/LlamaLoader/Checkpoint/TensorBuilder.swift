// Turning a tensor record from the pickle into a checked, zero-copy view of its storage.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

import LlamaTensor

/// Builds the tensors of one checkpoint, making one `TensorStorage` per storage key so
/// that tensors sharing a storage share its bytes, as they did in PyTorch.
struct TensorBuilder {
    let archive: ZipArchive
    let folder: String
    let fileName: String
    private var storages: [String: (reference: StorageReference, storage: TensorStorage)] = [:]

    init(archive: ZipArchive, folder: String, fileName: String) {
        self.archive = archive
        self.folder = folder
        self.fileName = fileName
    }

    /// The record and view of tensor `name`.
    /// - Throws: `LoaderError.invalidTensor` (unsupported dtype, bad sizes, non-contiguous,
    ///   storage too small), `.missingEntry` or `.unsupportedEntry` (its storage).
    mutating func tensor(named name: String, _ reference: TensorReference)
        throws -> (TorchCheckpoint.Record, Tensor) {
        func invalid(_ reason: String) -> LoaderError {
            .invalidTensor(file: fileName, tensor: LoaderError.excerpt(name), reason: reason)
        }
        guard let dtype = reference.storage.type.dtype else {
            throw invalid("expected element type bf16, f16 or f32, found torch.\(reference.storage.type.rawValue)")
        }
        let size = reference.size, stride = reference.stride
        // Checked before `Shape` sees them: it traps on negative sizes and overflow.
        guard size.allSatisfy({ $0 >= 0 }), stride.count == size.count else {
            throw invalid("sizes \(size) with strides \(stride) do not describe a tensor")
        }
        var elementCount = 1
        for dimension in size {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid("sizes \(size) overflow") }
            elementCount = product
        }
        guard !elementCount.multipliedReportingOverflow(by: dtype.blockByteSize).overflow else {
            throw invalid("sizes \(size) overflow")
        }
        let contiguous = Self.contiguousStrides(size)
        // Axes of size 1 (and empty tensors) may carry any stride: no element is ever
        // stepped over along them. Anything else must be row-major, or we would misread.
        let isContiguous = elementCount == 0
            || zip(size, zip(stride, contiguous)).allSatisfy { $0 <= 1 || $1.0 == $1.1 }
        guard isContiguous else {
            throw invalid("strides \(stride) for shape \(Shape(size)) are not row-major contiguous (expected \(contiguous)); save it after .contiguous()")
        }
        let storage = try storage(for: reference.storage, dtype: dtype, tensor: name)
        let (byteOffset, overflow) = reference.storageOffset.multipliedReportingOverflow(by: dtype.blockByteSize)
        guard reference.storageOffset >= 0, !overflow else {
            throw invalid("storage offset \(reference.storageOffset) is out of range")
        }
        let shape = Shape(size)
        let tensor: Tensor
        do {
            tensor = try Tensor(dtype: dtype, shape: shape, storage: storage, byteOffset: byteOffset)
        } catch {
            throw invalid("\(error) (storage \(LoaderError.excerpt(reference.storage.key)) starting at element \(reference.storageOffset))")
        }
        let record = TorchCheckpoint.Record(
            name: name, dtype: dtype, shape: shape, strides: stride,
            storageKey: reference.storage.key, storageOffset: reference.storageOffset)
        return (record, tensor)
    }

    /// The storage for `reference`: a borrowed region of `<folder>/data/<key>`, made once.
    private mutating func storage(for reference: StorageReference, dtype: DType, tensor name: String) throws -> TensorStorage {
        if let known = storages[reference.key] {
            guard known.reference == reference else {
                throw LoaderError.invalidTensor(
                    file: fileName, tensor: LoaderError.excerpt(name),
                    reason: "storage \(LoaderError.excerpt(reference.key)) was described as \(known.reference.elementCount) torch.\(known.reference.type.rawValue) elements, here as \(reference.elementCount) torch.\(reference.type.rawValue)")
            }
            return known.storage
        }
        let entryName = "\(folder)/data/\(reference.key)"
        guard let entry = archive.entry(named: entryName) else {
            throw LoaderError.missingEntry(file: fileName, entry: LoaderError.excerpt(entryName))
        }
        let bytes = try archive.bytes(of: entry)
        let (needed, overflow) = reference.elementCount.multipliedReportingOverflow(by: dtype.blockByteSize)
        guard !overflow, needed <= bytes.count else {
            throw LoaderError.invalidTensor(
                file: fileName, tensor: name,
                reason: "expected \(reference.elementCount) \(dtype) elements in \(entryName), found \(bytes.count) bytes")
        }
        let storage = TensorStorage(borrowing: bytes.slice(0..<needed), keepingAlive: archive.file)
        storages[reference.key] = (reference, storage)
        return storage
    }

    /// Row-major strides of `size`: each axis steps over the product of the sizes after it.
    static func contiguousStrides(_ size: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: size.count)
        var step = 1
        for axis in size.indices.reversed() {
            strides[axis] = step
            step = step &* max(size[axis], 1)  // no overflow: the element count was checked
        }
        return strides
    }
}
