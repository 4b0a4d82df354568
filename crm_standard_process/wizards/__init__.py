from . import crm_profile_send_back_wizard
from . import crm_followup_done_wizard
from . import crm_archive_wizard
from . import crm_reactivate_wizard
from . import crm_destroy_wizard
