//! ARG_MAX over the last axis (`tflite/kernels/arg_min_max.cc`): the first index holding the
//! largest value wins ties, as the kernel's strict `>` comparison does.

pub fn argmax_last<T: Copy + PartialOrd>(values: &[T], classes: usize) -> Vec<u8> {
    values
        .chunks_exact(classes)
        .map(|px| {
            let mut best = 0;
            for (i, v) in px.iter().enumerate().skip(1) {
                if *v > px[best] {
                    best = i;
                }
            }
            best.min(255) as u8
        })
        .collect()
}
