print("llama-cli: under construction")
