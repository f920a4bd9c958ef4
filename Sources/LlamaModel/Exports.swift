// `import LlamaModel` is enough for a program that uses the library: the types its public API
// mentions (ModelParams and LoaderError from LlamaLoader, ChatFormat and TokenizerError from
// LlamaTokenizer, Tensor and TensorError from LlamaTensor) come with it.
// Explained in Documentation/16-Using-the-Library.md.

@_exported import LlamaLoader
@_exported import LlamaTensor
@_exported import LlamaTokenizer
