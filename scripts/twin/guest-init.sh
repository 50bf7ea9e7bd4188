#!/bin/busybox sh
# /init of the twin's initramfs (busybox sh on QEMU raspi3b, Debian's arm64 kernel): mounts, then obeys the host.
# Protocol on the serial console (ttyS1, the mini UART), one line each way:
#   host → guest   "<n> <shell command>"     run in this shell (the functions below), so $HP etc. persist
#   guest → host   "TWIN DONE <n> <status>"  after the command's own "TWIN ..." lines
# The host reads the GPIO registers through the QEMU monitor between commands; the guest never judges anything.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb
ifconfig lo 127.0.0.1 up
stty -echo -onlcr 2>/dev/null </dev/console

URL=http://127.0.0.1:60000
HP=""    # the server's pid
say() { echo "TWIN $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
now() { say "UP $(up)"; }

# The server in the background, its log in /tmp/httap.log; returns when it serves its page (or exited, or 10 min:
# the host's bound, measured without the time QEMU was starved, is the one that counts).
# The page, not /?ping: an HTTaP request would open a session, and the status LED shows the session.
serve() { # $1 = HTTAP_GPIO, then more VAR=value
  local gpio=$1 i=0 t0
  shift
  t0=$(up)
  env HTTAP_GPIO="$gpio" "$@" httap >/tmp/httap.log 2>&1 </dev/null &
  HP=$!
  rm -f /tmp/page
  while ! wget -q -O /tmp/page "$URL/" 2>/dev/null; do
    kill -0 "$HP" 2>/dev/null || break
    i=$((i + 1)); [ $i -gt 3000 ] && break
    usleep 200000
  done
  if kill -0 "$HP" 2>/dev/null && [ -s /tmp/page ]; then say "SERVE up pid=$HP after=$(echo "$(up) $t0" | awk '{printf "%.1f", $1 - $2}')s"
  else say "SERVE down pid=$HP"; fi
  sed 's/^/TWIN LOG /' /tmp/httap.log
}
# A request through wget; prints "TWIN HTTP <status> <body>" (wget keeps no body of an error status), sets STATUS.
http() { # $1 = resource, $2 = JSON body for a POST (none: GET)
  if [ $# -gt 1 ]; then wget -q -S -O /tmp/body --header 'Content-Type: application/json' --post-data "$2" "$URL/?$1" 2>/tmp/head
  else wget -q -S -O /tmp/body "$URL/?$1" 2>/tmp/head; fi
  STATUS=$(sed -n 's/^ *HTTP\/1\.[01] \([0-9]*\).*/\1/p' /tmp/head | tail -n 1)
  say "HTTP $STATUS $(head -c 600 /tmp/body 2>/dev/null | tr '\n' ' ')"
  rm -f /tmp/body
}
# A POST written by hand through nc, to see the body of any status; prints "TWIN RAW <status> <body>".
raw_post() { # $1 = resource, $2 = JSON body
  printf 'POST /?%s HTTP/1.1\r\nHost: twin\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$1" "${#2}" "$2" | nc 127.0.0.1 60000 >/tmp/raw
  say "RAW $(head -n 1 /tmp/raw | cut -d' ' -f2) $(sed '1,/^\r*$/d' /tmp/raw | head -c 600 | tr '\r\n' '  ')"
}
# Re-sends a POST every 200 ms (as the car page does every 150 ms) until release; the first answer is printed.
hold() { # $1 = resource, $2 = JSON body
  release
  rm -f /tmp/hold-last
  http "$1" "$2"
  [ "$STATUS" = 200 ] && up >/tmp/hold-last
  : >/tmp/hold
  (while [ -e /tmp/hold ]; do
    wget -q -O /dev/null --header 'Content-Type: application/json' --post-data "$2" "$URL/?$1" && up >/tmp/hold-last
    usleep 200000
  done) </dev/null >/dev/null 2>&1 &
  HOLD=$!
}
# Stops the re-sending (the request in flight completes first); prints the time of its last answered POST.
release() {
  [ -n "${HOLD:-}" ] || return 0
  rm -f /tmp/hold
  wait "$HOLD" 2>/dev/null
  HOLD=""
  say "RELEASED last-post=$(cat /tmp/hold-last 2>/dev/null) now=$(up)"
}
# SCPI over raw TCP; the connection stays open $2 s (closing it ends the session); returns once answered (the
# host bounds the wait).
scpi() { # $1 = program message, $2 = seconds to keep the connection
  rm -f /tmp/scpi
  (printf '%s\n' "$1"; sleep "$2") </dev/null | nc 127.0.0.1 5025 >/tmp/scpi 2>&1 &
  SCPI=$!
  local i=0
  while [ ! -s /tmp/scpi ] && [ $i -lt 3000 ] && kill -0 "$SCPI" 2>/dev/null; do usleep 100000; i=$((i + 1)); done
  usleep 200000
  sed 's/^/TWIN SCPI /' /tmp/scpi | tr -d '\r'
}
scpi_wait() { wait "$SCPI" 2>/dev/null; }
# Signals the server and waits for it; prints its exit status and the end of its log.
stop() { # $1 = signal
  kill "-$1" "$HP"
  wait "$HP"
  say "EXIT $?"
  tail -n 8 /tmp/httap.log | sed 's/^/TWIN LOG /'
}
safe_state() { # $1 = HTTAP_GPIO
  HTTAP_GPIO=$1 httap --safe-state >/tmp/safe.log 2>&1 </dev/null
  say "SAFESTATE $?"
  sed 's/^/TWIN LOG /' /tmp/safe.log
}
# Takes a device node away (a Worker started now cannot open it) and puts it back with the same numbers.
hide() { DEVNUM=$(stat -c '%t %T' "$1"); rm "$1"; say "HIDDEN $1"; }
unhide() { set -- "$1" $DEVNUM; mknod "$1" c $((0x$2)) $((0x$3)); say "RESTORED $1 $(ls -l "$1" | tr -s ' ' | cut -d' ' -f5,6)"; }

say "BOOTED uptime=$(up) kernel=$(uname -r) compatible=$(tr '\0' ' ' </proc/device-tree/compatible)"
say "DEVICES $(ls /dev | grep -E '^(gpio|mem$)' | tr '\n' ' ')pwm=$(ls /sys/class/pwm 2>/dev/null | tr '\n' ' ')"
say "READY"
n=""
while IFS= read -r line; do
  n=${line%% *}
  eval "${line#* }"
  say "DONE $n $?"
done </dev/console
say "CONSOLE CLOSED"
poweroff -f
