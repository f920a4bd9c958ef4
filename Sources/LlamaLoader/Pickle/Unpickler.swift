// A safe pickle machine for what torch.save writes: it rebuilds plain data, interprets the
// allow-listed torch globals by hand and never imports, calls or executes anything.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// Runs a pickle program (a `data.pkl`) and returns the value it builds.
///
/// A pickle is a little stack machine: opcodes push constants, build tuples, lists and
/// dicts from the stack, remember values in a memo, and (the dangerous part) name globals
/// with GLOBAL and call them with REDUCE. `torch.save(state_dict)` uses that to say
/// "call `_rebuild_tensor_v2(storage, offset, size, stride, ...)`" for each tensor, and
/// BINPERSID to refer to storages kept outside the pickle. This machine accepts only the
/// globals in `PickleGlobal` and interprets them itself; any other name is an error at the
/// GLOBAL that names it.
///
/// ```swift
/// let names = try Unpickler.withValue(unpickling: bytes, fileName: "model.pth") { root in
///     guard case .dict(let dict) = root else { return [] }
///     return dict.keys.compactMap { if case .string(let s) = $0 { s } else { nil } }
/// }
/// ```
///
/// - Complexity: O(n) time in the pickle's length; memory at most the pickle's length
///   (strings and bytes are copied out of it) plus `valueLimit` slots of 24 bytes.
package final class Unpickler {
    /// The highest protocol we accept (Python 3.8+ writes up to 5).
    private static let highestProtocol = 5

    /// The most values a pickle may create: stack pushes (constants, containers, DUP and
    /// memo reads), MARKs and memo writes together. Every item of a tuple, list or dict was
    /// pushed first, so this bounds them too, and the machine's own memory with them: each
    /// value is a 24-byte slot, about 25 MB at the limit, whatever the input (a pickle of
    /// nothing but DUP or MEMOIZE would otherwise take 24 to 200 bytes per input byte).
    /// `torch.save` of a state dict creates about 30 values per tensor: under 10,000 for
    /// an 8B model, about 35,000 for a shard of the 405B one, thirty times below the limit.
    package static let valueLimit = 1 << 20

    private let bytes: UnsafeRawBufferPointer
    private let fileName: String
    private var position = 0
    /// Where the opcode being run began, for error messages.
    private var opcodeOffset = 0
    private var stack: [PickleValue] = []
    /// Stack heights at each MARK still open.
    private var marks: [Int] = []
    /// Memo entries by index. Python's pickler numbers them 0, 1, 2, ...; an index is
    /// refused at `valueLimit`, so the array never grows past it.
    private var memo: [PickleValue?] = []
    /// How many memo indices are set: where MEMOIZE stores (Python's `len(memo)`).
    private var memoCount = 0
    /// Values created so far, checked against `valueLimit`.
    private var valueCount = 0
    // Every container built, so that teardown can empty them one by one (see deinit).
    private var tuples: [PickleTuple] = []
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []

    private init(bytes: UnsafeRawBufferPointer, fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    /// Unpickles `bytes` and passes the result to `body`.
    ///
    /// The value's lists, dicts and tuples are emptied when this returns, so `body` must
    /// extract what it needs. (Emptying them one by one is what lets a hostile pickle of a
    /// million nested lists, or a list that contains itself, be freed without recursion.)
    /// - Parameters:
    ///   - bytes: The pickle.
    ///   - fileName: The file it came from, named in errors.
    /// - Throws: `LoaderError.invalidPickle` for a damaged or unsupported pickle,
    ///   `LoaderError.forbiddenGlobal` for a global outside the allow-list, and whatever
    ///   `body` throws.
    package static func withValue<Result>(
        unpickling bytes: UnsafeRawBufferPointer, fileName: String,
        _ body: (PickleValue) throws -> Result
    ) throws -> Result {
        let machine = Unpickler(bytes: bytes, fileName: fileName)
        defer { machine.tearDown() }
        return try body(machine.run())
    }

    // MARK: The machine

    private func run() throws -> PickleValue {
        while true {
            opcodeOffset = position
            let byte = try take(1)[0]
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw invalid("unknown opcode 0x\(String(byte, radix: 16, uppercase: true))")
            }
            if opcode == .stop {
                guard marks.isEmpty else { throw invalid("STOP with an unclosed MARK") }
                return try pop()
            }
            try execute(opcode)
        }
    }

    private func execute(_ opcode: PickleOpcode) throws {
        switch opcode {
        case .proto:
            let version = Int(try take(1)[0])
            guard version <= Self.highestProtocol else {
                throw invalid("expected pickle protocol 0 to \(Self.highestProtocol), found \(version)")
            }
        case .frame:
            _ = try take(8)  // a length hint for buffered readers; we have the whole file
        case .stop:
            break  // handled in run()

        case .mark:
            try countValue()
            marks.append(stack.count)
        case .pop: _ = try pop()
        case .popMark: _ = try popToMark()
        case .dup: try push(try top())

        case .none: try push(.none)
        case .newTrue: try push(.bool(true))
        case .newFalse: try push(.bool(false))

        case .binInt: try push(.int(Int(Int32(bitPattern: try littleEndian(UInt32.self)))))
        case .binInt1: try push(.int(Int(try take(1)[0])))
        case .binInt2: try push(.int(Int(try littleEndian(UInt16.self))))
        case .long1: try push(.int(try twosComplement(try take(Int(try take(1)[0])))))
        case .long4:
            let count = Int(Int32(bitPattern: try littleEndian(UInt32.self)))
            try push(.int(try twosComplement(try take(count))))
        case .int: try push(try textInt())
        case .long:
            var text = try line()
            if text.hasSuffix("L") { text.removeLast() }
            guard let value = Int(text) else { throw invalid("expected an integer, found \(LoaderError.excerpt(text).debugDescription)") }
            try push(.int(value))

        case .binFloat:
            // The one big-endian field in pickle.
            let field = try take(8)
            try push(.float(Double(bitPattern: UInt64(bigEndian: field.loadUnaligned(as: UInt64.self)))))
        case .float:
            let text = try line()
            guard let value = Double(text) else { throw invalid("expected a float, found \(LoaderError.excerpt(text).debugDescription)") }
            try push(.float(value))

        case .binUnicode: try push(.string(try utf8(try take(try length(UInt32.self)))))
        case .shortBinUnicode: try push(.string(try utf8(try take(Int(try take(1)[0])))))
        case .binUnicode8: try push(.string(try utf8(try take(try length(UInt64.self)))))
        case .binString:
            // Python 2 str; Python 3 reads it as Latin-1 text by default.
            try push(.string(latin1(try take(try length(UInt32.self)))))
        case .shortBinString: try push(.string(latin1(try take(Int(try take(1)[0])))))
        case .binBytes: try push(.bytes(Array(try take(try length(UInt32.self)))))
        case .shortBinBytes: try push(.bytes(Array(try take(Int(try take(1)[0])))))
        case .binBytes8: try push(.bytes(Array(try take(try length(UInt64.self)))))

        case .emptyTuple: try push(makeTuple([]))
        case .tuple: try push(makeTuple(try popToMark()))
        case .tuple1, .tuple2, .tuple3:
            let count = Int(opcode.rawValue - PickleOpcode.tuple1.rawValue) + 1
            var items: [PickleValue] = []
            for _ in 0..<count { items.append(try pop()) }
            try push(makeTuple(items.reversed()))
        case .emptyList: try push(.list(makeList([])))
        case .list: try push(.list(makeList(try popToMark())))
        case .append:
            let value = try pop()
            try topList().items.append(value)
        case .appends:
            let values = try popToMark()
            try topList().items.append(contentsOf: values)
        case .emptyDict: try push(.dict(makeDict()))
        case .dict:
            let dict = makeDict()
            try setItems(try popToMark(), in: dict)
            try push(.dict(dict))
        case .setItem:
            let value = try pop(), key = try pop()
            try topDict().set(key, value)
        case .setItems:
            let items = try popToMark()
            try setItems(items, in: try topDict())

        case .put: try memoize(try top(), at: try textIndex())
        case .binPut: try memoize(try top(), at: Int(try take(1)[0]))
        case .longBinPut: try memoize(try top(), at: Int(try littleEndian(UInt32.self)))
        case .memoize: try memoize(try top(), at: memoCount)
        case .get: try push(try memoValue(try textIndex()))
        case .binGet: try push(try memoValue(Int(try take(1)[0])))
        case .longBinGet: try push(try memoValue(Int(try littleEndian(UInt32.self))))

        case .global:
            let module = try line(), name = try line()
            try push(.global(try allowListed(module: module, name: name)))
        case .stackGlobal:
            guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                throw invalid("STACK_GLOBAL expects a module and a name as strings")
            }
            try push(.global(try allowListed(module: module, name: name)))
        // doc: pickle-reduce
        case .reduce:
            let arguments = try pop(), callable = try pop()
            guard case .global(let global) = callable, case .tuple(let tuple) = arguments else {
                throw invalid("REDUCE expects a global and a tuple, found \(callable.kindDescription) and \(arguments.kindDescription)")
            }
            stack.append(try call(global, tuple.items))
        // doc: end
        case .newObj, .newObjEx:
            if opcode == .newObjEx { _ = try pop() }  // keyword arguments
            let arguments = try pop(), cls = try pop()
            guard case .global(.orderedDict) = cls, case .tuple(let tuple) = arguments, tuple.items.isEmpty else {
                throw invalid("\(opcode == .newObj ? "NEWOBJ" : "NEWOBJ_EX") can only create an empty collections.OrderedDict here, found \(cls.kindDescription)")
            }
            try push(.dict(makeDict()))
        case .build:
            // BUILD sets an object's attributes (OrderedDict's `_metadata`, for example).
            // We keep no attributes, so the state is dropped; the object stays.
            _ = try pop()
            switch try top() {
            case .dict, .list, .tensor: break
            case let other: throw invalid("BUILD on \(other.kindDescription)")
            }
        // doc: pickle-persistent-id
        case .binPersId:
            stack.append(try persistentLoad(try pop()))
        // doc: end

        case .persId, .inst, .obj, .string, .unicode, .ext1, .ext2, .ext4,
             .emptySet, .addItems, .frozenSet, .byteArray8, .nextBuffer, .readonlyBuffer:
            throw invalid("opcode \(opcode) (0x\(String(opcode.rawValue, radix: 16, uppercase: true))) is not used by torch.save and is not supported")
        }
    }

    // MARK: The allow-listed globals, interpreted by hand

    private func allowListed(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            throw LoaderError.forbiddenGlobal(file: fileName, name: LoaderError.excerpt("\(module).\(name)"))
        }
        return global
    }

    private func call(_ global: PickleGlobal, _ arguments: [PickleValue]) throws -> PickleValue {
        switch global {
        case .orderedDict:
            guard arguments.isEmpty else {
                throw invalid("collections.OrderedDict() expects no arguments, found \(arguments.count)")
            }
            return .dict(makeDict())
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard arguments.count == 6 || arguments.count == 7 else {
                throw invalid("_rebuild_tensor_v2 expects 6 or 7 arguments, found \(arguments.count)")
            }
            return .tensor(try tensorReference(arguments))
        case .rebuildTensor:
            guard arguments.count == 4 else {
                throw invalid("_rebuild_tensor expects 4 arguments, found \(arguments.count)")
            }
            return .tensor(try tensorReference(arguments))
        case .rebuildParameter:
            // (data, requires_grad, backward_hooks): a Parameter is its tensor.
            guard arguments.count == 3, case .tensor = arguments[0] else {
                throw invalid("_rebuild_parameter expects (tensor, requires_grad, hooks)")
            }
            return arguments[0]
        case .storageType:
            throw invalid("\(global.qualifiedName) may name a storage type but not be called")
        }
    }

    private func tensorReference(_ arguments: [PickleValue]) throws -> TensorReference {
        guard case .storage(let storage) = arguments[0], case .int(let offset) = arguments[1],
              let size = integers(arguments[2]), let stride = integers(arguments[3]) else {
            throw invalid("tensor arguments must be (storage, int, tuple of ints, tuple of ints), found (\(arguments.prefix(4).map(\.kindDescription).joined(separator: ", ")))")
        }
        return TensorReference(storage: storage, storageOffset: offset, size: size, stride: stride)
    }

    /// A persistent id `('storage', storage_type, key, location, numel)`.
    private func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let tuple) = id, tuple.items.count == 5,
              case .string("storage") = tuple.items[0],
              case .global(.storageType(let type)) = tuple.items[1],
              case .string(let key) = tuple.items[2], case .string(let location) = tuple.items[3],
              case .int(let count) = tuple.items[4], count >= 0 else {
            throw invalid("expected a persistent id ('storage', torch.<Type>Storage, key, location, numel), found \(id.kindDescription)")
        }
        return .storage(StorageReference(type: type, key: key, location: location, elementCount: count))
    }

    // MARK: Stack, marks and memo

    /// The lowest stack index the current MARK (if any) allows popping to.
    private var floor: Int { marks.last ?? 0 }

    /// Counts one more value created, refusing the one past `valueLimit`.
    private func countValue() throws {
        valueCount += 1
        guard valueCount <= Self.valueLimit else {
            throw invalid("more than \(Self.valueLimit) values (pushes, marks and memo entries); a torch state dict needs about 30 per tensor")
        }
    }

    private func push(_ value: PickleValue) throws {
        try countValue()
        stack.append(value)
    }

    private func pop() throws -> PickleValue {
        guard stack.count > floor, let value = stack.popLast() else { throw invalid("stack underflow") }
        return value
    }

    private func top() throws -> PickleValue {
        guard stack.count > floor, let value = stack.last else { throw invalid("stack underflow") }
        return value
    }

    private func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw invalid("expected a MARK, found none") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func topList() throws -> PickleList {
        guard case .list(let list) = try top() else { throw invalid("APPEND to \(try top().kindDescription)") }
        return list
    }

    private func topDict() throws -> PickleDict {
        guard case .dict(let dict) = try top() else { throw invalid("SETITEM on \(try top().kindDescription)") }
        return dict
    }

    private func setItems(_ items: [PickleValue], in dict: PickleDict) throws {
        guard items.count % 2 == 0 else { throw invalid("odd number of items for a dict: \(items.count)") }
        for index in stride(from: 0, to: items.count, by: 2) {
            dict.set(items[index], items[index + 1])
        }
    }

    private func memoize(_ value: PickleValue, at index: Int) throws {
        try countValue()
        guard index < Self.valueLimit else {
            throw invalid("memo index \(index) is past the limit of \(Self.valueLimit) values")
        }
        if index >= memo.count { memo.append(contentsOf: repeatElement(nil, count: index + 1 - memo.count)) }
        if memo[index] == nil { memoCount += 1 }
        memo[index] = value
    }

    private func memoValue(_ index: Int) throws -> PickleValue {
        guard index < memo.count, let value = memo[index] else { throw invalid("memo entry \(index) read before it was written") }
        return value
    }

    // MARK: Containers

    private func makeTuple(_ items: [PickleValue]) -> PickleValue {
        let tuple = PickleTuple(items)
        tuples.append(tuple)
        return .tuple(tuple)
    }

    private func makeList(_ items: [PickleValue]) -> PickleList {
        let list = PickleList()
        list.items = items
        lists.append(list)
        return list
    }

    private func makeDict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    /// Empties every container while `tuples`, `lists` and `dicts` still hold each of them,
    /// so that releasing them afterwards frees one empty object at a time.
    private func tearDown() {
        stack.removeAll()
        memo.removeAll()
        for tuple in tuples { tuple.items.removeAll() }
        for list in lists { list.items.removeAll() }
        for dict in dicts { dict.removeAll() }
    }

    // MARK: Reading arguments

    private func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard let range = bytes.range(at: position, length: count) else {
            throw invalid("expected \(count) more bytes, found \(bytes.count - position) (truncated?)")
        }
        position = range.upperBound
        return bytes.slice(range)
    }

    private func littleEndian<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let field = try take(MemoryLayout<T>.size)
        return T(littleEndian: field.loadUnaligned(as: T.self))
    }

    /// A byte count, checked against what is left before anything is allocated.
    private func length<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws -> Int {
        let value = try littleEndian(T.self)
        guard value <= T(clamping: bytes.count - position) else {
            throw invalid("a length of \(value) bytes runs past the end of the pickle (\(bytes.count - position) bytes left)")
        }
        return Int(value)
    }

    /// A newline-terminated text argument (protocol 0 opcodes and GLOBAL).
    private func line() throws -> String {
        let rest = bytes.slice(position..<bytes.count)
        guard let newline = rest.firstIndex(of: 0x0A) else { throw invalid("expected a newline-terminated argument, found the end") }
        let text = try utf8(rest.slice(0..<newline))
        position += newline + 1
        return text
    }

    private func textInt() throws -> PickleValue {
        let text = try line()
        switch text {
        case "00": return .bool(false)  // protocol 0 spells False and True as I00 and I01
        case "01": return .bool(true)
        default:
            guard let value = Int(text) else { throw invalid("expected an integer, found \(LoaderError.excerpt(text).debugDescription)") }
            return .int(value)
        }
    }

    private func textIndex() throws -> Int {
        let text = try line()
        guard let value = Int(text), value >= 0 else { throw invalid("expected a memo index, found \(LoaderError.excerpt(text).debugDescription)") }
        return value
    }

    /// A little-endian two's-complement integer of any length (LONG1, LONG4), if it fits.
    private func twosComplement(_ field: UnsafeRawBufferPointer) throws -> Int {
        guard !field.isEmpty else { return 0 }
        // Bytes beyond the eighth must only repeat the sign.
        let negative = field[field.count - 1] & 0x80 != 0
        if field.count > 8 {
            let fill: UInt8 = negative ? 0xFF : 0
            guard field[8...].allSatisfy({ $0 == fill }), (field[7] & 0x80 != 0) == negative else {
                throw invalid("an integer of \(field.count) bytes does not fit in 64 bits")
            }
        }
        var value: UInt64 = negative ? ~0 : 0
        for (index, byte) in field.prefix(8).enumerated() {
            value &= ~(UInt64(0xFF) << (8 * index))
            value |= UInt64(byte) << (8 * index)
        }
        return Int(Int64(bitPattern: value))
    }

    private func integers(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let tuple) = value else { return nil }
        var result: [Int] = []
        for item in tuple.items {
            guard case .int(let int) = item else { return nil }
            result.append(int)
        }
        return result
    }

    private func utf8(_ field: UnsafeRawBufferPointer) throws -> String {
        guard let string = String(validating: field, as: UTF8.self) else {
            throw invalid("a string is not valid UTF-8")
        }
        return string
    }

    private func latin1(_ field: UnsafeRawBufferPointer) -> String {
        String(String.UnicodeScalarView(field.map { Unicode.Scalar($0) }))
    }

    private func invalid(_ reason: String) -> LoaderError {
        .invalidPickle(file: fileName, offset: opcodeOffset, reason: reason)
    }
}
