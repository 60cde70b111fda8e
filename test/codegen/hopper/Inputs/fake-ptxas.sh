#!/bin/sh
# A stand-in for ptxas that prints a canned resource report (chosen by
# FAKE_PTXAS_MODE) so the report checks run without the CUDA toolkit.
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; shift; fi
  shift
done
report() {
  echo "ptxas info    : 0 bytes gmem" >&2
  echo "ptxas info    : Compiling entry function 'kern' for 'sm_90a'" >&2
  echo "ptxas info    : Function properties for kern" >&2
  echo "    $1 bytes stack frame, $2 bytes spill stores, $3 bytes spill loads" >&2
  echo "ptxas info    : Used 168 registers, used 1 barriers" >&2
}
case "$FAKE_PTXAS_MODE" in
  spills) report 24 24 16 ;;
  setmaxnreg)
    report 0 0 0
    echo "ptxas info    : (C7508) Potential Performance Loss: setmaxnreg ignored; unable to determine register count at entry" >&2 ;;
  serialized)
    echo "ptxas warning : (C7515) Potential Performance Loss: wgmma.mma_async instructions are serialized due to non wgmma instructions defining accumulator registers of a wgmma between start and end of the pipeline stage in the function 'kern'" >&2
    report 0 0 0 ;;
  syntax)
    echo "ptxas /tmp/x.ptx, line 12; error   : Unknown symbol 'foo'" >&2
    exit 255 ;;
  silent) ;;
  *) report 0 0 0 ;;
esac
[ -n "$out" ] && printf 'fake-cubin' > "$out"
exit 0
