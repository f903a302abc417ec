#!/usr/bin/env bash
# `make run`: starts the emulator and serves dist/ on another origin, like a real deployment.
# Usage: .ci/serve.sh APP_ADDR API_ADDR SPEED
set -euo pipefail
cd "$(dirname "$0")/.."
app_addr=$1 api_addr=$2 speed=$3
state_dir=.run

mkdir -p "$state_dir"
# dist/ stays as built (its config.json names the provider, ready to deploy):
# `make run` serves a copy whose config.json points at the emulator, with its sample media.
api=http://$api_addr
www=$state_dir/www
rm -rf "$www"
cp -r dist "$www"
cat >"$www/config.json" <<JSON
{
  "api_base": "$api",
  "auth": "key",
  "samples": [
    { "label": "Portrait 1 · short speech", "image_url": "$api/samples/portrait-1.png", "audio_url": "$api/samples/speech-1.mp3" },
    { "label": "Portrait 2 · longer speech", "image_url": "$api/samples/portrait-2.png", "audio_url": "$api/samples/speech-2.mp3" },
    { "label": "Portrait 1 · 40 s speech (shows the 35 s cap)", "image_url": "$api/samples/portrait-1.png", "audio_url": "$api/samples/speech-long.mp3" }
  ],
  "dual_sample": {
    "dual_image_url": "$api/samples/dual.png",
    "audio_mix_url": "$api/samples/conversation-mix.mp3",
    "audio1_url": "$api/samples/speaker-1.mp3",
    "audio2_url": "$api/samples/speaker-2.mp3"
  },
  "video_sample": "$api/samples/talking.mp4",
  "voices": [
    { "label": "Voice 1 · British woman", "url": "$api/samples/voice-1.wav" },
    { "label": "Voice 2 · New York man", "url": "$api/samples/voice-2.wav" },
    { "label": "Voice 3 · Scottish woman", "url": "$api/samples/voice-3.wav" }
  ]
}
JSON

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

target/release/avatar-emulator --listen "$api_addr" --speed "$speed" \
  --data-dir "$state_dir/data" --state "$state_dir/state.json" --public-url "http://$api_addr" \
  >"$state_dir/emulator.log" 2>&1 &
pids+=($!)
python3 -m http.server --bind "${app_addr%:*}" --directory "$www" "${app_addr##*:}" \
  >"$state_dir/app.log" 2>&1 &
pids+=($!)

# Wait until both answer (the emulator makes its sample media on first start).
for _ in $(seq 1 300); do
  if curl -fsS "http://$api_addr/samples/" >/dev/null 2>&1 && curl -fsS "http://$app_addr/" >/dev/null 2>&1; then
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a server failed to start; see $state_dir/*.log" >&2; tail -n 20 "$state_dir"/*.log >&2; exit 1; }
  done
  sleep 0.2
done

cat <<MSG

  Avatar Studio is running.

    Open the app:   http://$app_addr/
    API (emulator): http://$api_addr   (speed ×$speed; log: $state_dir/emulator.log)
    Demo API key:   sk_demo            (500 credits; paste it in Settings)

  State (keys, credits, tasks, videos) is kept in $state_dir/; delete it to start over.
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
