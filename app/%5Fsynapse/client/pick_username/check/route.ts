// GET /_synapse/client/pick_username/check?username= – live availability check for the picker
import { checkUsernameAvailability } from "@/lib/sso/username-picker";

export const dynamic = "force-dynamic";
export const GET = checkUsernameAvailability;
