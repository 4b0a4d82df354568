from . import crm_profile_send_back_wizard
