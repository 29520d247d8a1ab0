#!/bin/sh
# Fill a trainee's new home on Kubernetes, as `copy_lessons` does on one server
# (minichain/classroom/accounts.py): the lessons, and for the Chinese edition JupyterLab's
# interface in Chinese. The single-user image installs this as /usr/local/bin/minichain-new-home
# and values.yaml runs it as the pod's postStart hook (z2jh: singleuser.lifecycleHooks), every
# time her server starts: nothing already in her home is ever overwritten, so her own copy of a
# lesson and her own choice of interface language stay hers.
#
#   MINICHAIN_KIT   where the image keeps the lessons (default /opt/minichain)
#   MINICHAIN_LANG  en or zh_CN (values.yaml: singleuser.extraEnv)
#   HOME            her home, the persistent volume (the image sets /home/jovyan)
set -eu

kit="${MINICHAIN_KIT:-/opt/minichain}"
home="${HOME:-/home/jovyan}"

# The lessons: copied beside, then renamed into place, so a copy cut short (the pod stopped
# half-way) is never taken for a finished one; the next start copies again.
if [ ! -e "$home/lessons" ]; then
    rm -rf "$home/.lessons.partial"
    cp -R "$kit/lessons" "$home/.lessons.partial"
    mv "$home/.lessons.partial" "$home/lessons"
fi

# JupyterLab's interface language: the translation extension's user setting (what the
# Settings > Language menu writes), only if she has none yet.
if [ "${MINICHAIN_LANG:-en}" = "zh_CN" ]; then
    settings="${JUPYTERLAB_SETTINGS_DIR:-$home/.jupyter/lab/user-settings}"
    settings="$settings/@jupyterlab/translation-extension"
    if [ ! -e "$settings/plugin.jupyterlab-settings" ]; then
        mkdir -p "$settings"
        printf '{\n    "locale": "zh_CN"\n}\n' > "$settings/plugin.jupyterlab-settings"
    fi
fi
