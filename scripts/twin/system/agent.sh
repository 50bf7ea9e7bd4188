#!/bin/bash
# The system twin's hands inside the guest (issue 19): a root service on the serial console (ttyS1, the mini UART),
# written into the image under test by the harness, never by `npm run image`. It waits for the boot to finish, says
# how it went, then obeys the host with the SoC twin's protocol (scripts/twin/guest.ts), one line each way:
#   host → guest   "<n> <shell command>"     run in this shell (the functions below), so variables persist
#   guest → host   "TWIN DONE <n> <status>"  after the command's own "TWIN ..." lines
# The guest reports what it sees; every verdict is the host's. Waits here are loops the host bounds.
exec </dev/ttyS1 >/dev/ttyS1 2>&1
stty -echo -onlcr 2>/dev/null
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER=

URL=http://127.0.0.1:60000
say() { echo "TWIN $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$(up)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
pre() { sed "s/^/TWIN $1 /"; } # prefixes every line of stdin

# --- the service ------------------------------------------------------------------------------------------------
pid_of() { systemctl show -p MainPID --value httap; }
service() { # one line: the unit's state
  say "SERVICE $(systemctl show httap -p ActiveState,SubState,Result,MainPID,NRestarts,ExecMainStatus | tr '\n' ' ')"
}
page() { # GET / on the service's port: "TWIN PAGE <status> <bytes>"
  say "PAGE $(curl -s -o /dev/null -m 20 -w '%{http_code} %{size_download}' "$URL/")"
}
# Waits until the unit is active with a main pid other than $1 and serves its page; prints both times since $2.
wait_serving() { # $1 = a pid that does not count (0: any), $2 = uptime to count from
  local pid=0 code
  while :; do
    pid=$(pid_of)
    [[ $(systemctl show -p ActiveState --value httap) == active && $pid != 0 && $pid != "$1" ]] && break
    sleep 0.1
  done
  say "ACTIVE pid=$pid after=$(since "$2")s"
  until code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$URL/") && [[ $code == 200 ]]; do sleep 0.2; done
  say "SERVING pid=$pid after=$(since "$2")s"
}
journal() { # the unit's last lines
  journalctl -b -u httap --no-pager -q -o cat -n "${1:-12}" | cut -c1-220 | pre JOURNAL
}
journal_since() { # $1 = seconds since the epoch (the guest's clock)
  journalctl -b -u httap --no-pager -q -o cat --since "@$1" | cut -c1-220 | pre JOURNAL
}
pwm_files() { # the speaker's PWM channel as the unit sees it: owner group and mode of its files
  stat -c '%n %G %A' /sys/class/pwm/pwmchip0/export /sys/class/pwm/pwmchip0/pwm0/{period,duty_cycle,enable} 2>&1 | pre PWMFILE
}
stop_post() { # how the last ExecStopPost= (httap --safe-state) ended
  say "STOPPOST $(systemctl show -p ExecStopPost --value httap | grep -o 'code=[a-z]* ; status=[0-9/]*' | tail -n 1)"
}

# --- the unit's sandbox, seen from inside: this shell's child joins the service's cgroup (its device rules) and mount
# namespace (ProtectSystem=, StateDirectory=) and takes its user, groups and capabilities (none) --------------------
as_unit() { # $1 = shell code run as the unit
  local pid cg uid gid groups
  pid=$(pid_of)
  cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
  gid=$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")
  groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | xargs | tr ' ' ',')
  sh -c 'echo $$ >"/sys/fs/cgroup$1/cgroup.procs" && shift && exec "$@"' as-unit "$cg" \
    nsenter -t "$pid" -m -- setpriv --reuid="$uid" --regid="$gid" --groups="${groups:-$gid}" --inh-caps=-all \
    --bounding-set=-all -- bash -c "$1"
}
# The same user and groups, outside the unit: what the file modes alone allow.
as_user() { # $1 = shell code
  local pid uid gid groups
  pid=$(pid_of)
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
  gid=$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")
  groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | xargs | tr ' ' ',')
  setpriv --reuid="$uid" --regid="$gid" --groups="${groups:-$gid}" --inh-caps=-all --bounding-set=-all -- bash -c "$1"
}
identity() {
  local pid
  pid=$(pid_of)
  say "PROC user=$(ps -o user= -p "$pid") $(grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' \
    "/proc/$pid/status" | tr -s '\t ' ' ' | tr '\n' ' ')"
  say "GPIOGROUP $(getent group gpio)"
  ls -l /dev/gpiochip* | pre GPIODEV
}
# Opens every character and block device (read, non-blocking, nothing read) as the unit and as its user outside
# it; prints the ones that opened. Watchdogs are left alone: an open one reboots the board unless fed.
DEVICE_PROBE='for d in $(find /dev -xdev \( -type c -o -type b \) ! -name "watchdog*" | sort); do
  dd if="$d" of=/dev/null iflag=nonblock count=0 status=none 2>/dev/null && echo "$d"; done | tr "\n" " "'
devices() {
  say "DEVICES-UNIT $(as_unit "$DEVICE_PROBE")"
  say "DEVICES-USER $(as_user "$DEVICE_PROBE")"
  say "DEVICES-ALL $(find /dev -xdev \( -type c -o -type b \) ! -name 'watchdog*' | wc -l)"
  say "GPIO-RW $(as_unit 'exec 3<>/dev/gpiochip0 && echo opened' 2>&1 | tail -n 1)"
}
# Write attempts as the unit: each line "WRITE <path> ok" or "WRITE <path> <error>".
writes() { # $1 = the state file to write, $2 = its content
  local p
  for p in /usr/twin-probe /etc/twin-probe /usr/local/bin/twin-probe /var/lib/httap/"$1"; do
    say "WRITE $p $(as_unit "printf %s '$2' >$p && echo ok" 2>&1 | sed 's/^.*: //' | tail -n 1)"
  done
}
state() { # what /var/lib/httap holds, from outside: its owner; each file's mode, size and checksum
  say "STATEDIR $(stat -c '%U(%u) %a' /var/lib/private/httap 2>&1)"
  (cd /var/lib/private/httap && for f in *; do [[ -e $f ]] && echo "$f $(stat -c '%a %s' "$f") $(sha256sum <"$f" | cut -c1-16)"; done) |
    pre STATEFILE
}

# --- driving, as the car page does -------------------------------------------------------------------------------
hold() { # $1 = resource, $2 = JSON body: re-sent every 200 ms until release
  release
  : >/run/twin-hold
  (while [[ -e /run/twin-hold ]]; do
    curl -s -o /dev/null -m 5 -H 'Content-Type: application/json' -d "$2" "$URL/?$1"
    sleep 0.2
  done) </dev/null >/dev/null 2>&1 &
  HOLD=$!
}
release() {
  [[ -n ${HOLD:-} ]] || return 0
  rm -f /run/twin-hold
  wait "$HOLD" 2>/dev/null
  HOLD=""
}

# --- mDNS ---------------------------------------------------------------------------------------------------------
mdns() { # $1 = host name
  timeout 30 avahi-browse -rtp _http._tcp 2>&1 | grep '^=' | pre BROWSE
  say "RESOLVE $(timeout 30 avahi-resolve -4 -n "$1.local" 2>&1 | tr '\t' ' ')"
  say "NSS $(timeout 30 getent hosts "$1.local" | tr -s ' ')"
  say "HOSTNAME $(hostname) avahi=$(avahi-resolve -a 127.0.0.1 2>/dev/null | cut -f2)"
  say "AVAHICONF $(grep -E '^(use-ipv[46]|publish-a{1,4}-on-ipv[46])=' /etc/avahi/avahi-daemon.conf | tr '\n' ' ')"
  # the room (issue 21): httap's own _httap._tcp, on UDP 5353 beside Avahi's socket, as Avahi hears it
  timeout 30 avahi-browse -rtp _httap._tcp 2>&1 | grep '^=' | pre ROOM
  ss -ulpnH 'sport = :5353' | tr -s ' ' | pre UDP5353
  journalctl -b -u httap --no-pager -q -o cat | grep -F 'fleet:' | tail -n 3 | pre FLEETLOG
  # the daemon's own account, last lines (a rename: the records it withdrew, then "Host name conflict")
  journalctl -b -u avahi-daemon --no-pager -q -o short-monotonic | sed -E 's/ [^ ]+ avahi-daemon\[[0-9]+\]://' |
    tail -n 30 | cut -c1-160 | pre AVAHILOG
}

# --- the hotspot: two mac80211_hwsim radios; wlan0 is NetworkManager's (the image's hotspot keyfile), wlan1 (left
# unmanaged) goes into its own network namespace as a phone ----------------------------------------------------------
radios() {
  local t0
  t0=$(up)
  modprobe mac80211_hwsim radios=2 || { say "RADIOS modprobe failed"; return 1; }
  until [[ -e /sys/class/net/wlan0 && -e /sys/class/net/wlan1 ]]; do sleep 0.2; done
  ip netns add phone
  iw phy "$(cat /sys/class/net/wlan1/phy80211/name)" set netns name phone
  ip netns exec phone ip link set lo up
  say "RADIOS wlan0 $(ip netns exec phone ls /sys/class/net | tr '\n' ' ')after=$(since "$t0")s"
  until [[ $(nmcli -g GENERAL.STATE device show wlan0 2>/dev/null) == 100* ]]; do sleep 0.5; done
  say "AP $(nmcli -g GENERAL.CONNECTION,IP4.ADDRESS device show wlan0 | tr '\n' ' ')after=$(since "$t0")s"
  iw dev wlan0 info | grep -E 'ssid|type|channel' | xargs | pre APINFO
}
# A station in the phone's namespace with this SSID and password; prints how the association ended.
join() { # $1 = SSID, $2 = password, $3 = name of this attempt
  local conf=/run/twin-$3.conf t0 s
  ip netns exec phone sh -c 'pkill -x wpa_supplicant; ip addr flush dev wlan1' 2>/dev/null
  sleep 0.5
  printf 'ctrl_interface=/run/twin-wpa\nnetwork={\n  ssid="%s"\n  psk="%s"\n  key_mgmt=WPA-PSK\n  proto=RSN\n}\n' "$1" "$2" >"$conf"
  rm -f "/run/twin-$3.log"
  t0=$(up)
  ip netns exec phone wpa_supplicant -B -i wlan1 -c "$conf" -f "/run/twin-$3.log" || { say "JOIN wpa_supplicant failed"; return 1; }
  while :; do
    s=$(ip netns exec phone wpa_cli -p /run/twin-wpa -i wlan1 status 2>/dev/null | sed -n 's/^wpa_state=//p')
    [[ $s == COMPLETED ]] && break
    grep -qE 'WRONG_KEY|4-Way Handshake failed' "/run/twin-$3.log" 2>/dev/null && break
    sleep 0.5
  done
  say "JOIN $3 state=$s after=$(since "$t0")s"
  grep -E 'CTRL-EVENT-(CONNECTED|SSID-TEMP-DISABLED|DISCONNECTED)|WRONG_KEY|Handshake failed' "/run/twin-$3.log" | head -n 4 |
    cut -c1-200 | pre JOINLOG
}
lease() { # DHCP from NetworkManager's dnsmasq on the shared network, then the page over the air
  local t0
  t0=$(up)
  ip netns exec phone udhcpc -i wlan1 -n -q -t 20 -T 2 -s /etc/udhcpc/default.script >/run/twin-dhcp.log 2>&1
  say "LEASE rc=$? $(ip netns exec phone ip -4 -br addr show wlan1 | tr -s ' ') after=$(since "$t0")s"
  say "AIRPAGE $(ip netns exec phone curl -s -o /dev/null -m 30 -w '%{http_code} %{size_download} %{remote_ip}' http://10.42.0.1:60000/)"
}

# --- boot: wait for the boot job queue to empty (a Type=exec unit, so it does not hold up multi-user.target) ----------
say "MULTIUSER uptime=$(up)"
STATE=$(systemctl is-system-running --wait)
say "SYSTEM state=$STATE uptime=$(up)"
systemctl --failed --no-pager --plain --no-legend | pre FAILED
systemd-analyze 2>/dev/null | head -n 1 | pre ANALYZE
say "READY"
while IFS= read -r line; do
  n=${line%% *}
  eval "${line#* }"
  say "DONE $n $?"
done
say "CONSOLE CLOSED"
