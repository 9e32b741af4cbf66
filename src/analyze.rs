//! The whole one-pass analysis of a capture (in progress).
use crate::capture::CaptureError;
use std::io::Read;
/// Result of the analysis.
#[derive(Debug)]
pub struct Analysis;
/// Error.
pub type AnalyzeError = CaptureError;
/// Analyze.
pub fn analyze<R: Read>(r: R) -> Result<Analysis, AnalyzeError> {
    analyze_with(r)
}
/// Analyze with.
pub fn analyze_with<R: Read>(_r: R) -> Result<Analysis, AnalyzeError> {
    Ok(Analysis)
}
