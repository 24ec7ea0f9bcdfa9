#!/usr/bin/env bash
# The real-GPU run, in ONE call of the `device` tool (prepare the carried folder first, here:
# bash packages/backend-gpujs/bench/real-gpu/prepare.sh). On the device, from the repository root:
#   bash packages/backend-gpujs/bench/real-gpu.sh        carry: [".gpujs-device"], timeout_s: 590
# It unpacks Node, the GL loaders, Xvfb and Mesa; starts Xvfb; tries headless-gl on NVIDIA's GLX,
# then on Mesa's zink (OpenGL over NVIDIA's Vulkan), then Mesa's llvmpipe (software, marked so),
# keeps the first that answers with a hardware renderer, and runs bench/real-gpu/report.ts there.
# Chromium is used too if one is installed (it does not fit in the carry; see the README).
# Results in $OUT: real-gpu-<attempt>.json and .md, rates-<attempt>.json (fragment-shader texel and
# arithmetic rates), log.txt, probes.txt, nvidia-smi.txt. KWTA_SKIP_REPORT=1 measures the rates only.
# Then, here: node packages/backend-gpujs/bench/real-gpu/fold.mjs /work/.device/.../real-gpu-<attempt>.json
set -uo pipefail
root=$(pwd)
carry=$root/.gpujs-device
out=${OUT:-$root/real-gpu-out}
deadline=${KWTA_DEADLINE_S:-400}
mkdir -p "$out"
exec > >(tee "$out/log.txt") 2>&1
say() { echo "[real-gpu.sh ${SECONDS}s] $*"; }
[ -f "$carry/run.tar.xz" ] || { say "no $carry/run.tar.xz: run bench/real-gpu/prepare.sh here and carry .gpujs-device"; exit 2; }

say "GL loaders into / (device README recipe)"
for f in "$carry"/gl/*.deb; do dpkg -x "$f" /; done
ldconfig

say "Node and the bundled run"
mkdir -p /opt/kwta-node /opt/kwta-run
xz -dc "$carry/node.xz" > /opt/kwta-node/node && chmod +x /opt/kwta-node/node
node=/opt/kwta-node/node
$node --version || { say "carried node does not run here"; exit 3; }
tar -xJf "$carry/run.tar.xz" -C /opt/kwta-run
cjs=/opt/kwta-run/real-gpu.cjs

say "Xvfb, Mesa and X libraries into /opt/kwta-x; libraries used only where the system lacks them"
xroot=/opt/kwta-x
rm -rf /opt/kwta-x-lib
mkdir -p "$xroot" /opt/kwta-x-lib /var/lib/xkb
tar -xJf "$carry/xroot.tar.xz" -C "$xroot"
for so in "$xroot"/usr/lib/x86_64-linux-gnu/*.so.* "$xroot"/lib/x86_64-linux-gnu/*.so.*; do
  name=$(basename "$so")
  [[ $name =~ \.so\.[0-9]+$ ]] || continue   # sonames only (libX11.so.6, not libX11.so.6.4.0)
  ldconfig -p | grep -q "^\s*$name " || ln -sf "$so" /opt/kwta-x-lib/
done
# Compiled-in paths of Xvfb (its keymap compiler, Mesa's DRI drivers): link ours where missing.
[ -e /usr/bin/xkbcomp ] || ln -s "$xroot/usr/bin/xkbcomp" /usr/bin/xkbcomp
[ -e /usr/lib/x86_64-linux-gnu/dri ] || ln -s "$xroot/usr/lib/x86_64-linux-gnu/dri" /usr/lib/x86_64-linux-gnu/dri
[ -e /usr/share/glvnd/egl_vendor.d/50_mesa.json ] || { mkdir -p /usr/share/glvnd/egl_vendor.d; cp "$xroot"/usr/share/glvnd/egl_vendor.d/50_mesa.json /usr/share/glvnd/egl_vendor.d/ 2>/dev/null; }
export LD_LIBRARY_PATH=/opt/kwta-x-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LIBGL_DRIVERS_PATH=/usr/lib/x86_64-linux-gnu/dri
say "$(ls /opt/kwta-x-lib | wc -l) carried libraries in use: $(ls /opt/kwta-x-lib | tr '\n' ' ')"

say "GPU and driver"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)
export KWTA_GPU_NAME=${gpu:-unknown} KWTA_GPU_DRIVER=${driver:-unknown}
say "GPU: $KWTA_GPU_NAME, driver $KWTA_GPU_DRIVER"
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] || icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
[ -n "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
# The driver's libraries (libGLX_nvidia, libnvidia-glcore, ...) where the mount keeps them.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$d; done

say "Xvfb :99"
"$xroot/usr/bin/Xvfb" :99 -screen 0 1280x1024x24 -nolisten tcp -xkbdir "$xroot/usr/share/X11/xkb" > "$out/xvfb.txt" 2>&1 &
xvfb=$!
export DISPLAY=:99 XDG_RUNTIME_DIR=/tmp/kwta-xdg
mkdir -p -m 700 $XDG_RUNTIME_DIR
sleep 2
kill -0 $xvfb 2>/dev/null || { say "Xvfb did not start:"; cat "$out/xvfb.txt"; }

# headless-gl attempts, best first: NVIDIA's GLX; Mesa's zink (GL on NVIDIA's Vulkan); llvmpipe.
# zink runs under Mesa's software GLX path (Xvfb has no DRI3) and renders with Vulkan: checked
# here on lavapipe, where it reports "zink (llvmpipe ...)".
attempts=("nvidia-glx:__GLX_VENDOR_LIBRARY_NAME=nvidia" "zink:__GLX_VENDOR_LIBRARY_NAME=mesa LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=zink" "llvmpipe:__GLX_VENDOR_LIBRARY_NAME=mesa GALLIUM_DRIVER=llvmpipe")
chosen=""
: > "$out/probes.txt"
for a in "${attempts[@]}"; do
  name=${a%%:*}
  vars=${a#*:}
  caps=$(env $vars timeout 60 $node "$cjs" --probe 2>>"$out/probes.txt")
  echo "$name: $vars -> ${caps:-no context}" >> "$out/probes.txt"
  say "probe $name: ${caps:0:160}"
  [ -z "$caps" ] && continue
  chosen_vars=$vars; chosen=$name
  echo "$caps" | grep -qiE 'llvmpipe|softpipe|swiftshader' || break
done
if [ -z "$chosen" ]; then
  say "no GL context at all; see probes.txt and xvfb.txt"
else
  quick=""
  echo "$chosen" | grep -q llvmpipe && quick="--quick" && say "only a software renderer answered: quick run, marked as software"
  if [ "${KWTA_SKIP_REPORT:-}" != 1 ]; then
    say "run: headless-gl via $chosen ($chosen_vars), deadline ${deadline}s"
    env $chosen_vars KWTA_GL_HOW="bench/real-gpu.sh, headless-gl via $chosen ($chosen_vars)" \
      timeout $((deadline + 120)) $node "$cjs" --out "$out" --tag "headlessgl-$chosen" --deadline-s "$deadline" $quick
    say "headless-gl run exited $?"
  fi
  say "fragment-shader rates (bench/real-gpu/fragment-rates.ts)"
  env $chosen_vars timeout 120 $node "$cjs" --rates --out "$out" --tag "headlessgl-$chosen"
  say "rates exited $?"
fi

chromium_bin=${KWTA_CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium_bin" ] && [ -d "$root/packages/backend-gpujs/node_modules/playwright-core" ] && [ $SECONDS -lt 420 ]; then
  say "Chromium with the GPU"
  (cd "$root/packages/backend-gpujs" && timeout $((540 - SECONDS)) $node bench/real-gpu/chromium.mjs --out "$out" --deadline-s $((480 - SECONDS)))
else
  say "Chromium: not run (no $chromium_bin with this repository's node_modules here, or no time left)"
fi
kill $xvfb 2>/dev/null
say "done; files in $out: $(ls "$out" | tr '\n' ' ')"
