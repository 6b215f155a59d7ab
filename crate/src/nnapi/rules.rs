//! Placeholder: NNAPIDelegateKernel::Validate, one entry per operator (being written).
