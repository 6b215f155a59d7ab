//! Pillow-exact photo resizing (being written).
