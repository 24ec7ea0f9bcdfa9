#!/usr/bin/env bash
# Build .gpujs-device/ at the repository root: everything bench/real-gpu.sh needs on a GPU
# machine that has no network and no Node (the `device` tool carries it: carry [".gpujs-device"]).
#   bash packages/backend-gpujs/bench/real-gpu/prepare.sh      (here, as root; about 5 minutes)
# Contents (about 55 MiB; the device call carries 64 MiB including the working tree):
#   run.tar.xz                 real-gpu.cjs, the run bundled (bench/real-gpu/build.mjs), and webgl.node,
#                              headless-gl's native module, loaded from beside it
#   node.xz                    this machine's Node (stripped): the native module is built for its ABI
#   gl/*.deb                   GL loaders (glvnd, EGL, GLX, Vulkan), unpacked into / on the device
#   xroot.tar.xz               Xvfb, xkbcomp, Mesa (GLX, swrast/zink DRI, LLVM) and their libraries
set -euo pipefail
root=$(git rev-parse --show-toplevel)
pkg=$root/packages/backend-gpujs
carry=$root/.gpujs-device
grep -qx '/.gpujs-device/' "$root/.gitignore" || { echo "prepare: .gitignore must list /.gpujs-device/" >&2; exit 1; }
rm -rf "$carry"
mkdir -p "$carry/gl"

echo "prepare: headless-gl native module"
gl_dir=$(cd "$pkg" && node -e "const r=require('module').createRequire(require.resolve('gpu.js'));console.log(require('path').dirname(r.resolve('gl/package.json')))")
if [ ! -f "$gl_dir/build/Release/webgl.node" ]; then
  apt-get install -y -qq libxi-dev libgl1-mesa-dev python3 make g++ >/dev/null
  (cd "$gl_dir" && npm_config_nodedir=/usr npx -y node-gyp rebuild -j 2 >/dev/null)
fi

echo "prepare: bundle"
(cd "$root" && npx -y pnpm@10.34.8 turbo run build --filter=@kwta/backend-gpujs... >/dev/null)
# xz with a dictionary as large as the biggest file (libLLVM, 117 MB): a few MiB less to carry.
pack() { xz -T1 --lzma2=preset=9e,dict=192MiB; }
run=$(mktemp -d)
(cd "$pkg" && node bench/real-gpu/build.mjs "$run")
tar -C "$run" -cf - . | pack > "$carry/run.tar.xz"
rm -rf "$run"

echo "prepare: node $(node --version)"
strip -o "$carry/node.tmp" "$(command -v node)"
pack < "$carry/node.tmp" > "$carry/node.xz"
rm "$carry/node.tmp"

echo "prepare: Debian packages"
lists=/tmp/kwta-amd64-lists
mkdir -p "$lists/partial"
apt_amd64=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists)
apt-get "${apt_amd64[@]}" update -qq
# The device README's GL loaders, unpacked into / there.
(cd "$carry/gl" && apt-get "${apt_amd64[@]}" download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>/dev/null)
# Xvfb with GLX (its GLX needs Mesa's swrast driver, which links LLVM), xkbcomp, and the X and
# Mesa client libraries headless-gl's ANGLE (GLX) loads. Unpacked into a private root there.
x_pkgs=(xvfb xserver-common x11-xkb-utils xkb-data libxkbfile1 libxfont2 libfontenc1 libfreetype6 libpng16-16 libbrotli1
  libpixman-1-0 libxshmfence1 libunwind8 libaudit1 libcap-ng0 libgcrypt20 libgpg-error0 libbsd0 libmd0
  libgl1-mesa-dri libglapi-mesa libglx-mesa0 libllvm15 libedit2 libxml2 libffi8 libtinfo6 libsensors5 libelf1 libzstd1 libexpat1
  libdrm2 libdrm-amdgpu1 libdrm-intel1 libdrm-radeon1 libdrm-nouveau2 libpciaccess0
  libx11-6 libx11-data libx11-xcb1 libxext6 libxi6 libxcb1 libxau6 libxdmcp6 libxfixes3 libxxf86vm1
  libxcb-dri2-0 libxcb-dri3-0 libxcb-glx0 libxcb-present0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-randr0)
stage=$(mktemp -d)
debs=$(mktemp -d)
(cd "$debs" && apt-get "${apt_amd64[@]}" download -qq "${x_pkgs[@]}" 2>/dev/null)
for f in "$debs"/*.deb; do dpkg -x "$f" "$stage"; done
rm -rf "$stage"/usr/share/{doc,man,locale,lintian,bug,info} "$stage"/usr/share/X11/locale "$stage"/usr/lib/x86_64-linux-gnu/dri/{crocus,d3d12,i915,iris,nouveau,r300,r600,radeonsi,virtio_gpu,vmwgfx}_dri.so
# libxml2 needs libicu (30 MB of data) only for encoding converters, which Mesa never calls;
# libLLVM needs libz3 only for the static analyzer's solver: both become stubs that export the
# symbols the real libraries' users import, so they load (and abort if ever called).
stub() { # stub SONAME LIBRARY-THAT-IMPORTS PATTERN
  local so=$1 user=$2 pat=$3 c
  c=$(mktemp --suffix=.c)
  nm -D --undefined-only "$stage/$user" | awk -v p="$pat" '$2 ~ p { sub(/@.*/, "", $2); printf "void %s(void) { __builtin_trap(); }\n", $2 }' | sort -u > "$c"
  gcc -shared -fPIC -Wl,-soname,"$so" -o "$stage/usr/lib/x86_64-linux-gnu/$so" "$c"
  rm -f "$c"
}
rm -f "$stage"/usr/lib/x86_64-linux-gnu/libz3.so.* "$stage"/usr/lib/x86_64-linux-gnu/libicu*.so.* "$stage"/usr/share/icu -r
stub libz3.so.4 usr/lib/x86_64-linux-gnu/libLLVM-15.so.1 '^Z3_'
stub libicuuc.so.72 usr/lib/x86_64-linux-gnu/libxml2.so.2 '_72$'
tar -C "$stage" -cf - . | pack > "$carry/xroot.tar.xz"
rm -rf "$stage" "$debs"

total=$(du -sb "$carry" | cut -f1)
tree=$(cd "$root" && git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
echo "prepare: $carry is $((total / 1048576)) MiB; with the tracked tree $(((total + tree) / 1048576)) MiB of the 64 MiB a device call carries"
[ $((total + tree)) -lt $((62 * 1048576)) ] || { echo "prepare: too large to carry" >&2; exit 1; }
