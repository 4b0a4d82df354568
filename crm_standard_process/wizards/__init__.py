from . import crm_profile_send_back_wizard
from . import crm_followup_done_wizard
