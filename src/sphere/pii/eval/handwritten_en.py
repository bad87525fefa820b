# ruff: noqa: E501  (a data table: one post per line reads better than wrapped strings)
"""Hand-written English posts with inline labels (``[[surface|TYPE]]``, see ``markup``).

Same conventions and tags as ``handwritten_de``; all people and numbers are fictional.
"""

from __future__ import annotations

POSTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("my sister [[Emma|PERSON]] says your app deleted her photos. great job 👏", ("third-party",)),
    ("Call me back on [[+44 20 7946 0321|PHONE_NUMBER]] after 5pm please", ()),
    ("Office line [[(212) 555-0187|PHONE_NUMBER]], ask for [[Greg|PERSON]]", ("third-party",)),
    (
        "Order [[302-4471183-2210947|ORDER_NUMBER]] still missing 😤 not a phone number btw lol",
        ("tricky",),
    ),
    ("Firmware 3.10.2.7 bricked my router. #fail", ("tricky", "negative")),
    ("Upgraded to 17.4.1.2 and the battery is dying in 2 hours", ("tricky", "negative")),
    ("Diabetes-friendly recipes are on sale this week! Tap to shop 🥗", ("tricky", "negative")),
    ("The Tele 70-200 is back in stock, grab it before it's gone 📸", ("tricky", "negative")),
    ("[[Will Smith|PERSON]]'s new movie trailer looks great, can't wait 🍿", ("tricky",)),
    ("Is it just me or is Amazon faster than you guys now?", ("tricky", "negative")),
    ("Rose gold or Jade green for the new phone case? 🤔", ("tricky", "negative")),
    (
        "I'm type 1 diabetic and your glucose tabs are out of stock everywhere. [[Rachel Adams|PERSON]]",
        ("special-category",),
    ),
    (
        "My daughter [[Lily|PERSON]] has a severe nut allergy, is this bar safe?",
        ("special-category", "third-party", "minor"),
    ),
    (
        "Since my cancer treatment I can't use scented products. Any unscented version?",
        ("special-category",),
    ),
    ("I'm bisexual and loved your pride campaign 🏳️‍🌈", ("special-category",)),
    ("As a practising Catholic I found the ad offensive, honestly.", ("special-category",)),
    (
        "I'm a Labour party member and I won't shop here anymore after that tweet",
        ("special-category",),
    ),
    ("Pregnant and the smell of your new detergent makes me sick 🤢", ("special-category",)),
    (
        "I have PTSD and your fire alarm test in the store was brutal, warn people pls",
        ("special-category",),
    ),
    ("My Steuer-ID [[33267938149|DE_TAX_ID]] is wrong on the tax certificate", ("code-switch",)),
    (
        "IBAN [[DE53 6091 3909 9603 0824 62|IBAN_CODE]] for the refund, thanks [[Oliver Grant|PERSON]]",
        (),
    ),
    ("Card ending 1234 was charged twice", ("tricky", "negative")),
    ("Card [[5105 3750 4310 3992|CREDIT_CARD]] declined again, what is going on", ()),
    ("Passport no. [[H40J30G3K4|DE_PASSPORT]], online check-in keeps failing", ()),
    ("ID card [[P9C9RW4TK|DE_ID_CARD]] – is that the number you need?", ()),
    (
        "Pension number [[12 041188 W 905|DE_PENSION_NUMBER]] (German Rentenversicherung)",
        ("code-switch",),
    ),
    ("Your van [[B-KL 4410|DE_LICENSE_PLATE]] is parked on the cycle lane again", ()),
    ("Find me on Mastodon: [[@sam_writes@fedi.example.net|SOCIAL_HANDLE]]", ()),
    ("[[@jess_92|SOCIAL_HANDLE]] you had this bug too right?", ("third-party",)),
    ("thanks [[@helpdesk_example|SOCIAL_HANDLE]] for sorting it out 🙌", ()),
    (
        "Date of birth [[19 August 1990|DATE_OF_BIRTH]], customer no. [[K304958671|CUSTOMER_NUMBER]]",
        (),
    ),
    ("I was born on [[1996-11-02|DATE_OF_BIRTH]], so why does the app say I'm under 18?", ()),
    ("Ordered on [[March 3, 2024|DATE_TIME]], still nothing.", ()),
    ("Can we move the visit from [[June 17|DATE_TIME]] to [[June 19|DATE_TIME]]?", ()),
    ("Emails to [[d.moore@example.com|EMAIL_ADDRESS]] bounce, inbox full?", ()),
    ("My new email is [[kim.lee.88@example.org|EMAIL_ADDRESS]], please update", ()),
    ("Video of the damage: [[https://clips.example.net/c/4471|URL]]", ()),
    ("See [[example.org/terms|URL]] section 7, it says something else!", ()),
    ("My router is on [[192.168.1.254|IP_ADDRESS]] and I can't get into the admin page", ()),
    ("Suspicious login from [[198.51.100.23|IP_ADDRESS]], wasn't me!", ()),
    (
        "Please delete all my data. [[Tom Baker|PERSON]], [[14 Elm Street, Springfield, IL 62704|LOCATION]]",
        (),
    ),
    ("Subject access request, reply to [[t.baker@example.net|EMAIL_ADDRESS]]", ()),
    ("The courier rang, I was home, still got a 'sorry we missed you' card 🙄", ("negative",)),
    ("Your hotline [[0800 123 4567|PHONE_NUMBER]] never picks up!! #worstservice", ("tricky",)),
    ("Buy 3 pay 2 until [[Dec 31|DATE_TIME]] – does that apply online too?", ("tricky",)),
    ("Item 5012345678900 is listed twice in the app", ("tricky", "negative")),
    ("Price says 1,299.00 instead of 1,499.00 – mistake?", ("tricky", "negative")),
    ("Parcel weighs 12.5 kg, shipping 4.99, 2-3 days. fine.", ("tricky", "negative")),
    ("Summer vibes ☀️ #beach #weekend", ("negative",)),
    ("Mr [[Summers|PERSON]] at the help desk was really kind!", ("third-party",)),
    ("Winter is coming and your snow tyres are sold out. Great.", ("tricky", "negative")),
    ("Ask [[Frank|PERSON]] in accounts, he knows", ("third-party",)),
    ("Grandma [[Joan|PERSON]] loved your cookies 🍪 never discontinue them", ("third-party",)),
    ("my neighbour [[dave|PERSON]] stole my parcel i think", ("third-party", "lowercase")),
    ("lol [[Becky|PERSON]] ordered from you again 😂", ("third-party",)),
    ("We live in [[Leeds|LOCATION]] now, do you deliver there?", ()),
    ("Does the [[Camden|LOCATION]] store close on Sundays now?", ()),
    ("Can I pay with PayPal? Asking for a friend 😉", ("negative",)),
    ("App version 2.3.4.1: still no dark mode", ("tricky", "negative")),
    ("Ticket #4711 open for 3 weeks 🙄", ("tricky", "negative")),
    ("Daylight saving broke my alarm again", ("negative",)),
    ("I'm fasting for Ramadan, can you deliver after 9pm?", ("special-category",)),
    (
        "Call Dr. [[Patel|PERSON]], he has my allergy results: [[+1 212 555 0166|PHONE_NUMBER]]",
        ("special-category", "third-party"),
    ),
    ("Shout out to [[Mia|PERSON]] and [[Noah|PERSON]] from class 3b 😊", ("third-party", "minor")),
    ("My ex [[Ryan Cole|PERSON]] still has access to my account!! lock it now", ("third-party",)),
    ("New address from [[April 1|DATE_TIME]]: [[8 Ring Road, Leeds LS1 4AP|LOCATION]] 📦", ()),
    (
        "Giveaway contact: [[Nina Shaw|PERSON]], [[nina.s@example.com|EMAIL_ADDRESS]], [[555-0142|PHONE_NUMBER]]",
        (),
    ),
    ("Your code SUMMER2024 doesn't work 😤", ("tricky", "negative")),
    ("Opening hours Mon-Fri 8-6 per the website. Not true.", ("negative",)),
    (
        "Meine Oma [[Hilde|PERSON]] says your bread is the best in [[Bremen|LOCATION]] 🥖",
        ("code-switch", "third-party"),
    ),
    (
        "Kundennummer [[KD-730192|CUSTOMER_NUMBER]], pls cancel my subscription asap",
        ("code-switch",),
    ),
    (
        "Ich bin new here – where do I find my Rechnung? Order [[A-2025-118203|ORDER_NUMBER]]",
        ("code-switch",),
    ),
    (
        "I'm deaf, please stop asking me to call the hotline and offer chat instead",
        ("special-category",),
    ),
    ("Apple and Orange are both great… oh wait, I mean the fruit 😅", ("tricky", "negative")),
    ("Jordan 4 Retro restock when?? #sneakers", ("tricky", "negative")),
)
