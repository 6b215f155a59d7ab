/* A TFLite delegate that claims no node and does not allow dynamic tensors, loaded by
 * tests/python/test_prepare.py through ai_edge_litert's load_delegate (the external delegate
 * interface: tflite_plugin_create_delegate / tflite_plugin_destroy_delegate).
 *
 * Applying it makes the real interpreter run the check NNAPI meets: Subgraph::ModifyGraphWithDelegate
 * prepares every subgraph first and, if a tensor is dynamic-sized, logs "Attempting to use a delegate
 * that only supports static-sized tensors ... (tensor#N is a dynamic-sized tensor)." and refuses it.
 * Its Prepare replaces nothing, so when the check passes the model runs on the builtin kernels.
 *
 * The struct is laid out as TfLiteDelegate (tflite/core/c/common.h): a data pointer, the Prepare
 * callback, three buffer-handle callbacks, the 64-bit flags (0: no kTfLiteDelegateFlagsAllowDynamicTensors)
 * and the opaque-delegate builder pointer (null: a classic delegate). Spare bytes keep a newer
 * runtime from reading past the end should it add fields.
 */
#include <stdint.h>
#include <stdlib.h>

typedef struct StaticDelegate {
    void *data;
    int (*prepare)(void *context, struct StaticDelegate *delegate);
    void *copy_from_buffer_handle;
    void *copy_to_buffer_handle;
    void *free_buffer_handle;
    int64_t flags;
    void *opaque_delegate_builder;
    char spare[64];
} StaticDelegate;

/* kTfLiteOk without touching the graph. */
static int prepare_nothing(void *context, StaticDelegate *delegate) {
    (void)context;
    (void)delegate;
    return 0;
}

__attribute__((visibility("default"))) StaticDelegate *tflite_plugin_create_delegate(
    const char *const *keys, const char *const *values, size_t count, void (*report_error)(const char *)) {
    (void)keys;
    (void)values;
    (void)count;
    StaticDelegate *d = calloc(1, sizeof(StaticDelegate));
    if (d == NULL) {
        if (report_error) report_error("static_delegate: out of memory");
        return NULL;
    }
    d->prepare = prepare_nothing;
    return d;
}

__attribute__((visibility("default"))) void tflite_plugin_destroy_delegate(StaticDelegate *d) {
    free(d);
}
