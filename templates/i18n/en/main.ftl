# dealerloop — English
skip-to-content = Skip to content
nav-label = Main menu
nav-admin = Administration
nav-dealers = Dealers
nav-my-dealer = My dealership
nav-users = Users
nav-audit = Audit log
nav-account = Password
nav-logout = Log out

role-admin = Administrator
role-manager = Channel manager
role-dealer = Dealer user

login-title = Log in
login-submit = Log in
login-forgot = Forgot your password?
login-missing = Enter your email and your password.
login-invalid = The email or password is not correct.
login-throttled = Too many attempts. Try again in { $minutes } { $minutes ->
    [one] minute
   *[other] minutes
}.
back-to-login = Back to log in

forgot-title = Reset your password
forgot-intro = Enter the email you log in with. We will send you a link to choose a new password.
forgot-submit = Send the link
forgot-sent = If an account uses that email, a link to reset the password is on its way. It works for one hour.

reset-title = Choose a new password
reset-intro = Choose a new password for { $email }.
reset-submit = Save the new password
invite-title = Welcome to dealerloop
invite-intro = Choose a password for { $email } to activate your account.
invite-submit = Activate my account

account-password-title = Change your password
account-password-intro = After the change you stay logged in here; every other device is logged out.
account-password-submit = Change password

field-email = Email
field-password = Password
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat the new password
password-hint = At least 8 characters. Avoid common passwords.
field-code = Code
field-name = Name
field-contact-email = Contact email
field-capacity = Capacity (open leads)
field-postcodes = Postcode areas
field-regions = Regions
field-territories = Territories
field-product-lines = Product lines
field-active = Active (receives leads)
field-status = Status
field-role = Role
field-dealer = Dealer
field-dealer-code = Dealer code
field-locale = Language
field-created = Created
field-updated = Last changed
hint-postcodes = One per line: country and postcode prefix, e.g. IT 20
hint-regions = One per line: country and region, e.g. IT Lombardia
hint-product-lines = Separated by commas, e.g. lathes, milling
hint-dealer-code = Only for dealer users: the code of their dealership.
hint-invite = The user receives an email with a link to choose a password.
locale-browser = As the browser prefers

status-active = Active
status-inactive = Inactive
status-disabled = Disabled
status-invited = Invited

save = Save
edit = Edit
search-submit = Search
search-dealers = Search by name or code
search-users = Search by email or name
form-has-errors = Some fields need attention: see the messages below.

dealer-new = New dealer
dealer-edit = Edit dealer
dealer-inactive = Inactive
dealer-inbox-title = Lead offers
dealer-inbox-empty = No lead is waiting for you right now. New offers will appear here and arrive by email.
dealer-profile-title = Your dealership
dealer-team-title = People
dealer-team-none = No user yet.
dealers-title = Dealers
dealers-none = No dealer matches.
dealers-count = { $count ->
    [one] One dealer
   *[other] { $count } dealers
}
manager-home-title = Dealer network

admin-title = Administration
admin-pending-mail = emails waiting to be sent
admin-recent = Recent activity
admin-all-audit = See the whole audit log

user-new = New user
user-create = Create and send invitation
user-disable = Disable account
user-enable = Enable account
user-reinvite = Send a new invitation
user-sessions = Open sessions
users-none = No user matches.

audit-when = When
audit-who = Who
audit-action = Action
audit-record = Record
audit-detail = Detail
audit-address = Address
audit-none = Nothing recorded yet.
audit-filter = Show only the action
audit-older = Older entries

notice-saved = Saved.
notice-logged-out = You have logged out.
notice-password-changed = Your password has been changed. Other devices have been logged out.
notice-password-reset = Your password has been changed. Log in with the new one.
notice-welcome = Welcome! Your account is active.
notice-user-invited = The invitation has been sent.
notice-user-disabled = The account is disabled and its sessions have ended.
notice-user-enabled = The account is enabled again.
notice-cannot-disable-self = You cannot disable your own account.

error-required = This field is required.
error-too-long = This is too long.
error-email-invalid = Enter an email address such as name@example.com.
error-email-taken = A user with this email already exists.
error-password-short = The password needs at least 8 characters.
error-password-long = The password can have at most 128 characters.
error-password-common = This password is too easy to guess. Choose another.
error-password-mismatch = The two passwords do not match.
error-current-password = The current password is not correct.
error-role-invalid = Choose a role from the list.
error-locale-invalid = Choose Italian or English.
error-dealer-required = A dealer user needs the code of their dealership.
error-dealer-unknown = No dealer has this code.
error-dealer-not-allowed = Only dealer users belong to a dealership: leave this empty.
error-dealer-code = Use 2 to 20 letters, digits or dashes, e.g. MI-01.
error-dealer-code-taken = Another dealer already uses this code.
error-capacity = Enter a whole number from 0 to 10000.
error-product-line = Product lines use lower-case letters, digits and dashes, e.g. press-brakes.
error-territory-required = Add at least one postcode area or region.
error-territory-country = Start with the two-letter country code, e.g. IT.
error-territory-postcode = Write the country and a postcode prefix, e.g. IT 20.
error-territory-region = Write the country and the region, e.g. IT Lombardia.
error-on-line = Line { $line }: { $message }
error-cannot-demote-self = You cannot remove your own administrator role.
error-cannot-disable-self = You cannot disable your own account.
error-page-invalid = That page does not exist; showing the newest entries.

error-code = Error
error-home = Go to the home page
error-400-title = Something in the request is wrong
error-400-text = The page could not understand what was sent. Go back and try again.
error-403-title = Not allowed
error-403-text = You do not have access to this page, or the form was sent from another site or has expired. Reload the page and try again.
error-404-title = Page not found
error-404-text = This page does not exist or is no longer available.
error-405-title = Not allowed
error-405-text = This address cannot be used that way.
error-410-title = This link no longer works
error-410-text = The link is invalid, has already been used or has expired. Ask for a new one.
error-413-title = Too much data
error-413-text = What you sent is too large.
error-429-title = Too many attempts
error-429-text = Wait a little and try again.
error-429-wait = Wait { $minutes } { $minutes ->
    [one] minute
   *[other] minutes
} and try again.
error-500-title = Something went wrong
error-500-text = It is our fault, not yours. Try again in a moment.

email-greeting = Hello { $name },
email-reset-subject = Reset your dealerloop password
email-reset-body = Someone (hopefully you) asked to reset the password of your dealerloop account. Choose a new one here:
email-reset-button = Choose a new password
email-reset-validity = The link works once, for { $minutes } minutes.
email-reset-ignore = If you did not ask for this, ignore this email: your password stays as it is.
email-invite-subject = Your dealerloop account is ready
email-invite-body = { $inviter } has created a dealerloop account for you. Choose your password to start:
email-invite-button = Activate my account
email-invite-validity = The link works once, for { $days } days.

# API tokens (admin)
nav-api-tokens = API tokens
api-tokens-title = API tokens
api-tokens-intro = Tokens let other systems, such as the marketing system, send leads to dealerloop. Each token writes its leads under its source.
api-tokens-none = No token yet.
api-token-new = New token
api-token-create = Create the token
api-token-last-used = Last used
api-token-never = never
api-token-created-by = by { $who }
api-token-actions = Actions
api-token-revoke = Revoke
api-token-created-title = Token created
api-token-shown-once = Copy the token now: it will not be shown again. Only a fingerprint of it is stored; if it is lost, revoke it and create a new one.
api-token-secret = Token
api-token-usage = The client sends it in the Authorization header, as Bearer followed by the token.
api-token-back = Back to the API tokens
field-source = Source
hint-token-name = A name to recognise the client by, e.g. crm-marketing.
hint-token-source = The lead source it writes as; defaults to marketing.
status-revoked = Revoked
notice-api-token-revoked = The token is revoked: requests using it are refused.
error-token-name = Use 2 to 60 letters, digits, dots, dashes or underscores.
error-token-name-taken = Another token already has this name.

# Lead handoff
time-left = { $hours } h { $minutes } min left to answer
dealer-working-title = Leads you are working
dealer-working-empty = No accepted lead yet.
lead-area = Area
lead-qualification = Qualification
lead-received = Received
lead-contact-hidden = The customer's name and contact details appear as soon as you accept.
lead-how-it-came = How the lead came in
lead-company = Company
lead-phone = Phone
lead-move-to = Update the status:
lead-history = History
offer-accept = Accept this lead
offer-decline = Decline
offer-decline-why = Why are you declining?
offer-decline-note = Anything to add (optional)
decline-out_of_area = Outside our area
decline-no_capacity = We cannot take it on now
decline-not_our_product = Not a product we sell
decline-existing_customer_elsewhere = Already a customer of another dealer
decline-other = Other reason
lead-status-withheld = Withheld (no consent)
lead-status-unallocated = Waiting for a dealer
lead-status-offered = Offered
lead-status-accepted = Accepted
lead-status-contacted = Contacted
lead-status-quote_sent = Quote sent
lead-status-won = Won
lead-status-lost = Lost
lead-status-declined = Declined
lead-status-expired = Expired
notice-offer-accepted = The lead is yours: the customer's details are below.
notice-offer-declined = Declined. The lead goes to another dealer.
notice-offer-too-late = This offer is no longer open.
notice-choose-reason = Choose a reason to decline.
notice-status-invalid = That status change is not possible.
error-decline-reason = Choose a reason from the list.
error-status-invalid = That status does not exist here.
email-offer-subject = New lead: { $product } in { $region }
email-offer-reminder-subject = Reminder: lead { $product } in { $region } is waiting for your answer
email-offer-body = { $dealer }, a new lead is waiting for you. Accept or decline it by { $deadline }.
email-offer-reminder-body = { $dealer }, this lead is still waiting for your answer. After { $deadline } it goes to another dealer.
email-offer-open = Open the offer
email-offer-accept = Accept
email-offer-decline = Decline
offer-accept-confirm = Accepting makes this lead yours: you will then see the customer's details.
offer-accepted-title = The lead is yours
offer-accepted-text = Log in to see the customer's name and contact details.
offer-see-contact = See the contact details
offer-declined-title = Lead declined
# CSV lead import
csv-import-title = Import leads from a CSV file
csv-import-intro = Upload a CSV file with one lead per row. Valid rows are imported and offered to dealers like leads from the marketing system; every refused row is listed with its line and the reason. Importing the same file again changes nothing.
csv-import-file = CSV file (UTF-8, at most 20 MB)
csv-import-file-hint = From a spreadsheet, save as "CSV UTF-8". Commas or semicolons as separators both work.
csv-import-submit = Import
csv-format-title = File format
csv-format-header = The first line is the header, with these columns in any order (touchpoints may be left out):
csv-format-separator = The separator is a comma or a semicolon, recognised from the header. Values containing the separator, quotes or line breaks go in double quotes, with quotes inside doubled.
csv-format-required = Required: external_id (letters, digits and - _ . : /), received_at, contact_name, contact_email or contact_phone, country (two letters, e.g. IT), postcode or region, product_line (e.g. lathes), consent_share_with_dealers. The other cells may be empty; score is a whole number from 0 to 100.
csv-format-times = Times are RFC 3339, e.g. 2026-11-20T09:30:00Z or 2026-11-20T10:30:00+01:00.
csv-format-consent = Consent to share with dealers: true/false, yes/no, sì/no or 1/0. A lead without consent is stored and never offered.
csv-format-touchpoints = touchpoints holds a JSON array of touchpoints, each with occurred_at and channel and optionally source, medium, campaign, content and kind, as in the intake API.
csv-format-idempotent = A row whose external_id was already imported with the same content changes nothing; with different content it is reported as a conflict and the stored lead is kept.
csv-format-example = Example:
csv-error-no-file = Choose a CSV file to import.
csv-error-empty = The file is empty.
csv-error-utf16 = The file is UTF-16 text. Save it as "CSV UTF-8" and try again.
csv-error-not-utf8 = Line { $line }: the file is not UTF-8 text (perhaps Windows-1252 or Latin-1). Save it as "CSV UTF-8" and try again.
csv-error-header = Line 1: the header does not match the format. Missing columns: { $missing }. Unknown columns: { $unknown }. Repeated columns: { $duplicate }. Expected: { $expected }
csv-error-no-rows = The file has a header but no rows.
csv-error-malformed = Line { $line }: { $message }
csv-result-title = Lead import
csv-result-file = File: { $file }
csv-result-rows = Rows read
csv-result-created = Leads imported
csv-result-duplicate = Already imported, unchanged
csv-result-conflict = Conflicts (imported before with other content)
csv-result-invalid = Invalid rows
csv-result-no-problems = Every row was read without problems.
csv-result-problems = Rows not imported
csv-result-line = Line
csv-result-field = Column
csv-result-reason = Reason
csv-result-again = Import another file
# Channel manager: leads
nav-leads = Leads
nav-unallocated = Waiting for a dealer
leads-title = Leads
leads-filters = Filter
leads-any = Any
leads-dealer = Dealer
leads-dealer-code = Dealer code
leads-region = Region
leads-product-line = Product line
leads-campaign = Campaign
leads-from = Received from
leads-to = Received until
leads-date-hint = Dates are days in the portal's time zone; both ends are included.
leads-clear = Clear the filters
leads-external-id = Lead id
leads-unallocated-reason = Why it waits
leads-none = No lead matches these filters.
leads-newest = Newest
leads-older = Older
leads-open = Open
leads-unallocated-title = Leads waiting for a dealer
leads-unallocated-count = { $count ->
    [one] One lead is waiting.
   *[other] { $count } leads are waiting.
}
leads-unallocated-intro = No eligible dealer could take these leads. Open one to see why, then offer it to a dealer by hand.
leads-unallocated-none = No lead is waiting: every lead with consent has a dealer.
leads-waiting-since = Waiting since
leads-error-date = Enter a date as YYYY-MM-DD.
leads-error-date-order = The end date is before the start date.
leads-error-withheld = This lead has no consent to be shared with dealers: it cannot be assigned.
leads-error-closed = This lead already has an outcome: it cannot be reassigned.
leads-error-dealer-unknown = No dealer has this code.
leads-error-dealer-inactive = This dealer is not active.
leads-customer = Customer
leads-source = Source
leads-consent = Consent to share with dealers
leads-yes = Yes
leads-no = No
leads-when = When
leads-channel = Channel
leads-source-medium = Source / medium
leads-content = Content
leads-touch-kind = Kind
leads-offers = Offers
leads-no-offers = This lead has not been offered to any dealer.
leads-offered-at = Offered
leads-deadline = Deadline
leads-answered-at = Answered
leads-decline-reason = Decline reason
leads-offer-open = Open
leads-offer-accepted = Accepted
leads-offer-declined = Declined
leads-offer-expired = Expired
leads-offer-withdrawn = Withdrawn
leads-decisions = Allocation decisions
leads-decisions-intro = Each eligible dealer builds up its share of every lead it could take (its weight over the total weight); the lead goes to the dealer furthest behind its share (the largest shortfall), the lowest dealer id on a tie.
leads-no-decisions = No allocation decision yet.
leads-kind-auto = Automatic
leads-kind-manual = By hand
leads-why-auto = { $count ->
    [one] The only eligible dealer.
   *[other] Largest shortfall among { $count } eligible dealers.
}
leads-weight = Weight
leads-entitled = Share so far (leads)
leads-received-count = Leads received
leads-shortfall = Shortfall (leads)
leads-assign-title = Assign to a dealer
leads-assign-intro = The current open offer, if any, is withdrawn and the chosen dealer gets a new offer with the usual deadline. Territory and capacity are not checked: you decide.
leads-assign-reason = Reason (kept in the history)
leads-assign-submit = Assign
notice-lead-assigned = The lead has been offered to the dealer.
unallocated-no_territory_match = No dealer covers this area
unallocated-no_dealer_for_product_line = No dealer in the area sells this product line
unallocated-all_declined = Every eligible dealer declined it or let it expire
unallocated-all_at_capacity = Every eligible dealer is at capacity
unallocated-max_offers_reached = Offered to the maximum number of dealers
nav-import = Import CSV
