// The pickle opcodes (CPython's Lib/pickle.py), by the byte that encodes each.
// Explained in Documentation/04-Reading-a-PyTorch-Checkpoint.md.

/// One instruction of the pickle machine. `torch.save` writes protocol 2; the opcodes of
/// protocols 0 to 5 that a state dict could plausibly contain are listed, the rest (which
/// build arbitrary objects or out-of-band buffers) are refused by name.
enum PickleOpcode: UInt8 {
    // Protocol and framing
    case proto = 0x80, frame = 0x95, stop = 0x2E  // '.'
    // Stack and marks
    case mark = 0x28, pop = 0x30, popMark = 0x31, dup = 0x32  // ( 0 1 2
    // Constants
    case none = 0x4E, newTrue = 0x88, newFalse = 0x89  // N
    // Integers
    case int = 0x49, binInt = 0x4A, binInt1 = 0x4B, long = 0x4C, binInt2 = 0x4D  // I J K L M
    case long1 = 0x8A, long4 = 0x8B
    // Floats
    case float = 0x46, binFloat = 0x47  // F G
    // Strings and bytes
    case binUnicode = 0x58, shortBinUnicode = 0x8C, binUnicode8 = 0x8D  // X
    case binString = 0x54, shortBinString = 0x55  // T U
    case binBytes = 0x42, shortBinBytes = 0x43, binBytes8 = 0x8E  // B C
    // Containers
    case emptyTuple = 0x29, tuple = 0x74, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87  // ) t
    case emptyList = 0x5D, list = 0x6C, append = 0x61, appends = 0x65  // ] l a e
    case emptyDict = 0x7D, dict = 0x64, setItem = 0x73, setItems = 0x75  // } d s u
    // Memo
    case put = 0x70, binPut = 0x71, longBinPut = 0x72, memoize = 0x94  // p q r
    case get = 0x67, binGet = 0x68, longBinGet = 0x6A  // g h j
    // Objects
    case global = 0x63, stackGlobal = 0x93  // c
    case reduce = 0x52, build = 0x62, newObj = 0x81, newObjEx = 0x92  // R b
    case binPersId = 0x51  // Q
    // Refused: they build objects we do not need or carry out-of-band data.
    case persId = 0x50, inst = 0x69, obj = 0x6F, string = 0x53, unicode = 0x56  // P i o S V
    case ext1 = 0x82, ext2 = 0x83, ext4 = 0x84
    case emptySet = 0x8F, addItems = 0x90, frozenSet = 0x91
    case byteArray8 = 0x96, nextBuffer = 0x97, readonlyBuffer = 0x98
}
