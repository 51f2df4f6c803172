/* SPDX-License-Identifier: MIT */
/* libyaml (Debian's libyaml-dev, https://pyyaml.org/wiki/LibYAML): the YAML 1.1 parser that
 * HeapwiseCore's reader (Input/YAMLDocument.swift) composes its node tree from. Used directly,
 * rather than through Yams, so no library of Heapwise needs Foundation. */
#include <yaml.h>
