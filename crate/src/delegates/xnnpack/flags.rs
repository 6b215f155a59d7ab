//! The XNNPACK delegate's option flags (`TfLiteXNNPackDelegateOptions::flags`,
//! tflite/delegates/xnnpack/xnnpack_delegate.h), with the defaults of TFLite's own build.

use serde::{Deserialize, Serialize};

/// `TFLITE_XNNPACK_DELEGATE_FLAG_*`. The default is what `TfLiteXNNPackDelegateOptionsDefault`
/// (xnnpack_delegate.cc) sets in the default Bazel build (tflite/delegates/xnnpack/BUILD defines
/// `XNNPACK_DELEGATE_ENABLE_QS8` and `XNNPACK_DELEGATE_ENABLE_QU8`, nothing else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct XnnpackFlags {
    /// `QS8` (0x1): signed 8-bit quantized ops, per-channel weights included.
    pub qs8: bool,
    /// `QU8` (0x2): unsigned 8-bit quantized ops.
    pub qu8: bool,
    /// `FORCE_FP16` (0x4): fp32 ops run in fp16 (`--xnnpack_force_fp16`).
    pub force_fp16: bool,
    /// `DYNAMIC_FULLY_CONNECTED` (0x8): FULLY_CONNECTED with non-constant fp32 filter and bias.
    pub dynamic_fully_connected: bool,
    /// `VARIABLE_OPERATORS` (0x10): always on in this source (kept for the spelling).
    pub variable_operators: bool,
    /// `TRANSIENT_INDIRECTION_BUFFER` (0x20): memory only.
    pub transient_indirection_buffer: bool,
    /// `ENABLE_LATEST_OPERATORS` (0x40).
    pub enable_latest_operators: bool,
    /// `ENABLE_SUBGRAPH_RESHAPING` (0x80): reshaping is on unless disabled, so this changes nothing.
    pub enable_subgraph_reshaping: bool,
    /// `SLOW_CONSISTENT_ARITHMETIC` (0x200): arithmetic only.
    pub slow_consistent_arithmetic: bool,
    /// `DISABLE_SUBGRAPH_RESHAPING` (0x400): the delegate no longer allows dynamic tensors.
    pub disable_subgraph_reshaping: bool,
    /// `DISABLE_DYNAMICALLY_QUANTIZED_OPS` (0x800).
    pub disable_dynamically_quantized_ops: bool,
}

impl Default for XnnpackFlags {
    fn default() -> Self {
        XnnpackFlags {
            qs8: true,
            qu8: true,
            force_fp16: false,
            dynamic_fully_connected: false,
            variable_operators: false,
            transient_indirection_buffer: false,
            enable_latest_operators: false,
            enable_subgraph_reshaping: false,
            slow_consistent_arithmetic: false,
            disable_subgraph_reshaping: false,
            disable_dynamically_quantized_ops: false,
        }
    }
}

/// The delegate's flag names, as in `TFLITE_XNNPACK_DELEGATE_FLAG_<NAME>`.
pub const FLAG_NAMES: [&str; 11] = [
    "QS8",
    "QU8",
    "FORCE_FP16",
    "DYNAMIC_FULLY_CONNECTED",
    "VARIABLE_OPERATORS",
    "TRANSIENT_INDIRECTION_BUFFER",
    "ENABLE_LATEST_OPERATORS",
    "ENABLE_SUBGRAPH_RESHAPING",
    "SLOW_CONSISTENT_ARITHMETIC",
    "DISABLE_SUBGRAPH_RESHAPING",
    "DISABLE_DYNAMICALLY_QUANTIZED_OPS",
];

impl XnnpackFlags {
    /// No flag set (not the default: see `Default`).
    pub fn none() -> Self {
        XnnpackFlags { qs8: false, qu8: false, ..XnnpackFlags::default() }
    }

    fn slot(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "QS8" => &mut self.qs8,
            "QU8" => &mut self.qu8,
            "FORCE_FP16" => &mut self.force_fp16,
            "DYNAMIC_FULLY_CONNECTED" => &mut self.dynamic_fully_connected,
            "VARIABLE_OPERATORS" => &mut self.variable_operators,
            "TRANSIENT_INDIRECTION_BUFFER" => &mut self.transient_indirection_buffer,
            "ENABLE_LATEST_OPERATORS" => &mut self.enable_latest_operators,
            "ENABLE_SUBGRAPH_RESHAPING" => &mut self.enable_subgraph_reshaping,
            "SLOW_CONSISTENT_ARITHMETIC" => &mut self.slow_consistent_arithmetic,
            "DISABLE_SUBGRAPH_RESHAPING" => &mut self.disable_subgraph_reshaping,
            "DISABLE_DYNAMICALLY_QUANTIZED_OPS" => &mut self.disable_dynamically_quantized_ops,
            _ => return None,
        })
    }

    /// The flags of `--xnnpack-flags`: a comma-separated list of the delegate's flag names
    /// (case-insensitive, with or without the `TFLITE_XNNPACK_DELEGATE_FLAG_` prefix). The list
    /// is the whole set: `qs8` alone turns QU8 off. `none` (or an empty list) sets no flag,
    /// `default` stands for TFLite's default build (QS8, QU8).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut flags = XnnpackFlags::none();
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let upper = word.to_ascii_uppercase();
            let name = upper.strip_prefix("TFLITE_XNNPACK_DELEGATE_FLAG_").unwrap_or(&upper);
            match name {
                "NONE" => {}
                "DEFAULT" => {
                    flags.qs8 = true;
                    flags.qu8 = true;
                }
                _ => match flags.slot(name) {
                    Some(slot) => *slot = true,
                    None => {
                        return Err(format!(
                            "unknown XNNPACK flag '{word}' (known: {}, or none / default)",
                            FLAG_NAMES.join(", ").to_ascii_lowercase()
                        ))
                    }
                },
            }
        }
        Ok(flags)
    }

    /// The set flags by name, in bit order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut copy = *self;
        FLAG_NAMES.iter().copied().filter(|n| copy.slot(n).is_some_and(|s| *s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_tflites_build() {
        assert_eq!(XnnpackFlags::default().names(), ["QS8", "QU8"]);
    }

    #[test]
    fn parse_takes_the_delegates_names_in_any_case() {
        let f = XnnpackFlags::parse("qs8, FORCE_FP16,tflite_xnnpack_delegate_flag_dynamic_fully_connected").unwrap();
        assert_eq!(f.names(), ["QS8", "FORCE_FP16", "DYNAMIC_FULLY_CONNECTED"]);
        assert_eq!(XnnpackFlags::parse("none").unwrap(), XnnpackFlags::none());
        assert_eq!(XnnpackFlags::parse("").unwrap(), XnnpackFlags::none());
        assert_eq!(XnnpackFlags::parse("default,disable_subgraph_reshaping").unwrap().names(), ["QS8", "QU8", "DISABLE_SUBGRAPH_RESHAPING"]);
    }

    #[test]
    fn parse_refuses_an_unknown_name() {
        let e = XnnpackFlags::parse("qs8,fp16").unwrap_err();
        assert!(e.contains("unknown XNNPACK flag 'fp16'"), "{e}");
    }
}
