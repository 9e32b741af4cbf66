#!/usr/bin/env bash
# Writes tests/data/dns_tshark.tsv, the expected DNS pairing of every capture of the corpus
# (../shared/corpus, in MANIFEST.tsv order), for tests/dns_corpus.rs. Run it once, by hand,
# with tshark 4.0 on PATH; the test reads the committed TSV and never runs tshark.
#
#   bash tests/data/dns_tshark.sh [CORPUS_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/../../../shared/corpus}
out=$here/dns_tshark.tsv
# DNS proper (not mdns/llmnr, which are other protocols in Wireshark), not quoted in ICMP errors.
filter='dns && !icmp && !icmpv6'
one='-T fields -e frame.number -e dns.id -e dns.flags.response -e dns.flags.rcode -e dns.time -e dns.response_to -e dns.retransmit_request_in -e dns.retransmit_response_in -e dns.unsolicited'
two='-T fields -e frame.number -e dns.response_in'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
    echo "# $(tshark --version 2>/dev/null | head -n 1)"
    echo "# Made by tests/data/dns_tshark.sh. For each capture FILE of MANIFEST.tsv (every one; a file without rows has no DNS):"
    echo "#   tshark -r FILE -Y '$filter' $one"
    echo "#   tshark -2 -r FILE -Y '$filter' $two"
    echo "# The first is tshark's one pass (as the engine reads); the second, with both passes, adds dns.response_in"
    echo "# to the queries (empty = no response by the end of the capture). Rows are the two joined on frame.number."
    printf '# file\tframe\tid\tresponse\trcode\ttime\tresponse_to\tretransmit_request_in\tretransmit_response_in\tunsolicited\tresponse_in\n'
    tail -n +2 "$corpus/MANIFEST.tsv" | cut -f1 | while read -r name; do
        f=$corpus/$name
        # shellcheck disable=SC2086
        tshark -r "$f" -Y "$filter" $one 2>/dev/null >"$tmp/one" || true
        # shellcheck disable=SC2086
        tshark -2 -r "$f" -Y "$filter" $two 2>/dev/null >"$tmp/two" || true
        if ! cmp -s <(cut -f1 "$tmp/one") <(cut -f1 "$tmp/two"); then
            echo "dns_tshark.sh: the two passes disagree on the frames of $name" >&2
            exit 1
        fi
        paste "$tmp/one" <(cut -f2 "$tmp/two") | sed "s|^|$name\t|"
    done
} >"$out"
echo "wrote $out ($(grep -vc '^#' "$out") rows)" >&2
