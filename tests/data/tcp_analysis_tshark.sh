#!/usr/bin/env bash
# Regenerates tests/data/tcp_analysis_tshark.tsv: what tshark 4.0 flags in every capture of
# ../shared/corpus (the files listed in its MANIFEST.tsv), for tests/tcp_analysis_corpus.rs.
# Run once, from anywhere: bash tests/data/tcp_analysis_tshark.sh
# tshark runs with its default preferences (tcp.analyze_sequence_numbers and
# tcp.relative_sequence_numbers on, tcp.fastrt_supersedes_ooo on, TCP and IP reassembly on),
# in one pass (no -2), as Wireshark analyses a file while it reads it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
corpus="$here/../../../shared/corpus"
out="$here/tcp_analysis_tshark.tsv"
flags="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment ack_lost_segment duplicate_ack zero_window zero_window_probe zero_window_probe_ack keep_alive keep_alive_ack window_update window_full reused_ports"
version="$(tshark --version 2>/dev/null | head -1)"
files="$(tail -n +2 "$corpus/MANIFEST.tsv" | cut -f1)"
ts() { tshark -n -r "$corpus/$1" "${@:2}" 2>/dev/null || true; }
{
  echo "# $version, default preferences, one pass. Made by tests/data/tcp_analysis_tshark.sh:"
  echo "#   flag rows:  tshark -n -r FILE -Y tcp.analysis.FLAG -T fields -e frame.number"
  echo "#               (FLAG in: $flags)"
  echo "#               and FLAG=reset: tshark -n -r FILE -Y 'tcp.flags.reset == 1' -T fields -e frame.number"
  echo "#   dupack rows: tshark -n -r FILE -Y tcp.analysis.duplicate_ack -T fields -e frame.number -e tcp.analysis.duplicate_ack_num -e tcp.analysis.duplicate_ack_frame"
  echo "#   irtt rows:  tshark -n -r FILE -Y tcp.analysis.initial_rtt -T fields -e frame.number -e tcp.stream -e tcp.analysis.initial_rtt"
  echo "#               (first frame showing it in each stream)"
  echo "# columns: file, 'flag', flag, count (= the filter's | wc -l), frame numbers (comma-separated)"
  echo "#          file, 'dupack', frame, duplicate_ack_num, duplicate_ack_frame"
  echo "#          file, 'irtt', tcp.stream, frame, initial_rtt (seconds)"
  for f in $files; do
    for flag in $flags reset; do
      if [ "$flag" = reset ]; then filter='tcp.flags.reset == 1'; else filter="tcp.analysis.$flag"; fi
      frames="$(ts "$f" -Y "$filter" -T fields -e frame.number | paste -sd, -)"
      if [ -z "$frames" ]; then count=0; else count="$(echo "$frames" | tr ',' '\n' | wc -l)"; fi
      printf '%s\tflag\t%s\t%s\t%s\n' "$f" "$flag" "$count" "$frames"
    done
    ts "$f" -Y tcp.analysis.duplicate_ack -T fields -e frame.number -e tcp.analysis.duplicate_ack_num -e tcp.analysis.duplicate_ack_frame \
      | awk -v f="$f" -F'\t' '{ printf "%s\tdupack\t%s\t%s\t%s\n", f, $1, $2, $3 }'
    ts "$f" -Y tcp.analysis.initial_rtt -T fields -e frame.number -e tcp.stream -e tcp.analysis.initial_rtt \
      | awk -v f="$f" -F'\t' '!seen[$2]++ { printf "%s\tirtt\t%s\t%s\t%s\n", f, $2, $1, $3 }'
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
