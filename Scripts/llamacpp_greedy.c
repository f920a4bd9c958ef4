// llamacpp_greedy: greedy continuation of token-id prompts by llama.cpp (libllama), with each
// step's top-k log-probabilities, as one JSON line per prompt. Used by
// Scripts/make_llamacpp_fixtures.py to record what llama.cpp itself generates.
//
// No sampler: each step takes the argmax of the logits of the last position (lowest id on a
// tie); no BOS is added and nothing is tokenized: the prompt is exactly the ids given.
// The prompt is decoded as one batch, then one token per llama_decode call. A fresh context
// per prompt. Log-probabilities are log_softmax of the float logits, computed in double.
//
// Build (against the llama.cpp build described in Scripts/make_kquant_fixtures.py):
//
//   SRC=/tmp/llama-src/llama_cpp_python-0.3.36/vendor/llama.cpp B=/tmp/llama.cpp-build
//   cc -O2 -std=c11 -I$SRC/include -I$SRC/ggml/include Scripts/llamacpp_greedy.c
//      -L$B/bin -lllama -lggml -lggml-base -lm -Wl,-rpath,$B/bin -o $B/bin/llamacpp-greedy
//   (one command line)
//
// Usage: llamacpp-greedy MODEL.gguf N_PREDICT TOP_K [--threads N] [--kv f16|f32]
//                        [--fa on|off|auto] IDS [IDS...]
//   IDS: comma-separated token ids of one prompt, e.g. 1,15,200,7
// Output: {"prompt":[...],"ids":[...],"top":[[[id,logprob],...],...]} per prompt.

#include "llama.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet_log(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

static int parse_ids(const char * s, llama_token ** out) {
    int cap = 16, n = 0;
    llama_token * ids = malloc(sizeof(llama_token) * cap);
    const char * p = s;
    while (*p) {
        char * end;
        long v = strtol(p, &end, 10);
        if (end == p) {
            fprintf(stderr, "error: bad id list: %s\n", s);
            exit(2);
        }
        if (n == cap) {
            cap *= 2;
            ids = realloc(ids, sizeof(llama_token) * cap);
        }
        ids[n++] = (llama_token) v;
        p = end;
        if (*p == ',') {
            p++;
        }
    }
    *out = ids;
    return n;
}

int main(int argc, char ** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s MODEL.gguf N_PREDICT TOP_K [--threads N] [--kv f16|f32] [--fa on|off|auto] IDS...\n", argv[0]);
        return 2;
    }
    const char * path = argv[1];
    int n_predict = atoi(argv[2]);
    int top_k = atoi(argv[3]);
    int threads = 2;
    enum ggml_type kv = GGML_TYPE_F16;
    enum llama_flash_attn_type fa = LLAMA_FLASH_ATTN_TYPE_AUTO;
    int first = 4;
    while (first < argc && strncmp(argv[first], "--", 2) == 0) {
        if (first + 1 >= argc) {
            fprintf(stderr, "error: %s needs a value\n", argv[first]);
            return 2;
        }
        if (strcmp(argv[first], "--threads") == 0) {
            threads = atoi(argv[first + 1]);
        } else if (strcmp(argv[first], "--kv") == 0) {
            kv = strcmp(argv[first + 1], "f32") == 0 ? GGML_TYPE_F32 : GGML_TYPE_F16;
        } else if (strcmp(argv[first], "--fa") == 0) {
            const char * v = argv[first + 1];
            fa = strcmp(v, "on") == 0 ? LLAMA_FLASH_ATTN_TYPE_ENABLED
               : strcmp(v, "off") == 0 ? LLAMA_FLASH_ATTN_TYPE_DISABLED : LLAMA_FLASH_ATTN_TYPE_AUTO;
        } else {
            fprintf(stderr, "error: unknown option %s\n", argv[first]);
            return 2;
        }
        first += 2;
    }

    llama_log_set(quiet_log, NULL);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) {
        fprintf(stderr, "error: cannot load %s\n", path);
        return 1;
    }
    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    double * lp = malloc(sizeof(double) * n_vocab);

    for (int a = first; a < argc; a++) {
        llama_token * prompt;
        int n_prompt = parse_ids(argv[a], &prompt);
        struct llama_context_params cp = llama_context_default_params();
        cp.n_ctx = (uint32_t) (n_prompt + n_predict + 16);
        cp.n_batch = cp.n_ctx;
        cp.n_ubatch = cp.n_ctx;
        cp.n_threads = threads;
        cp.n_threads_batch = threads;
        cp.type_k = kv;
        cp.type_v = kv;
        cp.flash_attn_type = fa;
        cp.no_perf = true;
        struct llama_context * ctx = llama_init_from_model(model, cp);
        if (!ctx) {
            fprintf(stderr, "error: cannot create a context\n");
            return 1;
        }
        printf("{\"prompt\":[");
        for (int i = 0; i < n_prompt; i++) {
            printf(i ? ",%d" : "%d", prompt[i]);
        }
        printf("],");
        llama_token * ids = malloc(sizeof(llama_token) * (n_predict + 1));
        int * tops = malloc(sizeof(int) * (size_t) n_predict * top_k);
        double * topv = malloc(sizeof(double) * (size_t) n_predict * top_k);
        struct llama_batch batch = llama_batch_get_one(prompt, n_prompt);
        for (int step = 0; step < n_predict; step++) {
            if (llama_decode(ctx, batch) != 0) {
                fprintf(stderr, "error: llama_decode failed\n");
                return 1;
            }
            const float * logits = llama_get_logits_ith(ctx, -1);
            double mx = -INFINITY;
            for (int v = 0; v < n_vocab; v++) {
                if (logits[v] > mx) {
                    mx = logits[v];
                }
            }
            double sum = 0;
            for (int v = 0; v < n_vocab; v++) {
                sum += exp((double) logits[v] - mx);
            }
            double lse = mx + log(sum);
            for (int v = 0; v < n_vocab; v++) {
                lp[v] = (double) logits[v] - lse;
            }
            // top-k by repeated selection: strictly greater wins, so the lowest id wins ties
            for (int k = 0; k < top_k; k++) {
                int best = -1;
                for (int v = 0; v < n_vocab; v++) {
                    int taken = 0;
                    for (int j = 0; j < k; j++) {
                        if (tops[step * top_k + j] == v) {
                            taken = 1;
                            break;
                        }
                    }
                    if (!taken && (best < 0 || lp[v] > lp[best])) {
                        best = v;
                    }
                }
                tops[step * top_k + k] = best;
                topv[step * top_k + k] = lp[best];
            }
            ids[step] = tops[step * top_k];
            batch = llama_batch_get_one(&ids[step], 1);
        }
        printf("\"ids\":[");
        for (int i = 0; i < n_predict; i++) {
            printf(i ? ",%d" : "%d", ids[i]);
        }
        printf("],\"top\":[");
        for (int i = 0; i < n_predict; i++) {
            printf(i ? ",[" : "[");
            for (int k = 0; k < top_k; k++) {
                printf(k ? ",[%d,%.9g]" : "[%d,%.9g]", tops[i * top_k + k], topv[i * top_k + k]);
            }
            printf("]");
        }
        printf("]}\n");
        fflush(stdout);
        free(ids);
        free(tops);
        free(topv);
        free(prompt);
        llama_free(ctx);
    }
    free(lp);
    llama_model_free(model);
    return 0;
}
