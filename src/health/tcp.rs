//! See the module list in `health`.
