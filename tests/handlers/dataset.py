"""The column header of the drone-attack dataset CSV the importer reads."""

from __future__ import annotations

HEADER = (
    "time_start,time_end,model,launch_place,target,target_main,launched,destroyed,not_reach_goal,"
    "still_attacking,border_crossing,is_shahed,num_hit_location,num_fall_fragment_location,carrier,"
    "turbojet,turbojet_destroyed,affected region,destroyed_details,launched_details,"
    "launch_place_details,source\n"
)
