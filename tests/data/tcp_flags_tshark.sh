#!/usr/bin/env bash
# Regenerates tests/data/tcp_flags_tshark.tsv: the frames tshark 4.0 matches with display
# filters on tcp.analysis.flags in every capture of ../shared/corpus (the files listed in its
# MANIFEST.tsv), for tests/index_filter.rs. The single flags (tcp.analysis.retransmission ...)
# are in tests/data/tcp_analysis_tshark.tsv (made by tcp_analysis_tshark.sh); this table adds
# the filters that combine them.
# Run once, from anywhere: bash tests/data/tcp_flags_tshark.sh
# tshark runs with its default preferences, in one pass (no -2), as tcp_analysis_tshark.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
corpus="$here/../../../shared/corpus"
out="$here/tcp_flags_tshark.tsv"
version="$(tshark --version 2>/dev/null | head -1)"
files="$(tail -n +2 "$corpus/MANIFEST.tsv" | cut -f1)"
filters=(
  "tcp.analysis.flags"
  "tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack"
)
{
  echo "# $version, default preferences, one pass. Made by tests/data/tcp_flags_tshark.sh:"
  echo "#   tshark -n -r FILE -Y FILTER -T fields -e frame.number"
  echo "# columns: file, filter, count (= the command's | wc -l), frame numbers (comma-separated)"
  for f in $files; do
    for filter in "${filters[@]}"; do
      frames="$(tshark -n -r "$corpus/$f" -Y "$filter" -T fields -e frame.number 2>/dev/null | paste -sd, - || true)"
      if [ -z "$frames" ]; then count=0; else count="$(echo "$frames" | tr ',' '\n' | wc -l)"; fi
      printf '%s\t%s\t%s\t%s\n' "$f" "$filter" "$count" "$frames"
    done
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
