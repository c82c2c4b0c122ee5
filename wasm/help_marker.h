// The explorer's "(?)" marker: drawn after the last item on its line, its text shown as a tooltip
// while the mouse is over it. Every panel title that needs explaining uses it.
#pragma once

#include <imgui.h>

namespace deadzone::explorer {

inline void help_marker(const char* text) {
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

} // namespace deadzone::explorer
