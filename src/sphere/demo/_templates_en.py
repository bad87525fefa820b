"""English post templates for the demo scenario (about 40 % of all posts).

Same slot syntax as ``sphere.demo._templates_de``; see its docstring.
"""

from __future__ import annotations

ADDRESSED: tuple[str, ...] = (
    "{co} when is the {product} back in stock? been waiting {days} days {emoji}",
    "Hey {co}, my {product} makes a grinding noise when focusing. Is that covered by warranty?",
    "{co} shoutout to your support team, lens came back from repair in {days} days 👍",
    "{co} order {order} still hasn't arrived. What's going on???",
    "{co} does the {product} work with my {camera}? can't find it on your site",
    "Quick q for {co}: do you sell the lens hood for the {product} separately?",
    "{co} honestly disappointed. {price} for a lens and dust behind the front element {emoji}",
    "Thanks {co}! The {product} is insanely sharp {tag}",
    "{co} can someone call me back? {phone}, free after 5pm",
    "Dear {co}, customer no. {custno} here, still missing my invoice",
    "{co} why did the {product} price jump to {price} overnight??",
    "{co} repair has taken {days} days now, I need the lens for a wedding on Saturday!",
    "{co} any student discount? asking for my buddy {friend} 😅",
    "{co} will the {product} get firmware updates?",
    "{co} AF on the {product} hunts in low light. Known issue?",
    "{co} couldn't make it to the workshop {health}, can I reschedule?",
    "{co} where can I try the {product} in {city}?",
    "{co} shipment to {addr} was returned, why? order {order}",
    "{co} ngl your customer service is the best in the business {emoji} {tag}",
    "{co} are you coming to the photo fair in {city} this year?",
    "{co} lost the lens cap of my {product} 🙈 can I order a new one?",
    "{co} please DM me, the problem with {order} is urgent",
    "{co} got the {product} as a gift but no receipt. Warranty still valid?",
    "{co} checkout on your shop keeps throwing error 500 🙄",
    "{co} {pal} says you have a trade-in program? true?",
    "{co} any plans for a black edition of the {product}? #optiklinse",
    "Kudos to {co}: fast shipping, great packaging, perfect lens {emoji}",
    "{co} {days} days and no reply to my email from {email}. Hello??",
    "{co} is the {product} weather sealed? Taking it to the Alps",
    "{co} can I pick up my {product} at your Munich office?",
)

DIRECT: tuple[str, ...] = (
    "{co} Hi, my details for the repair: {friend}, {addr}, phone {phone}",
    "{co} Order {order}, customer no. {custno}. Please send the return label to {email}",
    "{co} I can't get to the post office {health}, could you arrange a pickup? {addr}",
    "{co} my new address is {addr}, please update account {custno}",
    "{co} here's my number {phone}, please call me about {order}",
    "{co} please put the invoice in my wife's name, {friend}, order {order}",
)

BRAND: tuple[str, ...] = (
    "Out with the {product} at golden hour today {emoji} {tag}",
    "The {product} from {brand} is worth every penny #photography",
    "Anyone tried the {product}? Thinking about switching",
    "New baby: {brand} {product} {emoji} #newlens {tag}",
    "{brand} really nailed the bokeh on this one {tag}",
    "I don't get the {brand} hype. My old lens was sharper",
    "{product} vs third-party comparison going up on my blog tomorrow #photography",
    "Shot macros with {friend} at the botanical garden today, {product} rocks {tag}",
    "Stay away from the {product}, mine developed front focus after 2 months {emoji}",
    "{brand} lenses are overpriced, sorry not sorry",
    "Sunset at the lake, {product}, f/8, 1/250 #landscape {tag}",
    "Anyone want to lend me a {product} for the weekend? Will pay",
    "Found a used {product} for {price}. Should I? 🤔",
    "First wedding shoot with the {product}. Couple happy, me happy {emoji}",
    "That new {brand} ad is so cringe 😂",
    "{tag} birding this morning, the kingfisher finally sat still!",
    "PSA: the {brand} {product} is on sale at my local store in {city}",
    "{brand} #optiklinse street photography in {city}, only the {product}",
    "My wife says I own too many lenses. Now the {product} joined the family 🙈",
    "Lens shootout part 3: {brand} {product}. Verdict: sharp, heavy, pricey",
    "Portraits of {friend} with the {product} – in love with the colours {emoji}",
    "Can {brand}'s {product} really keep up with the big names?",
    "Everyone at the camera club in {city} is talking about {brand} now",
    "Northern lights with the {product}!!! {emoji} #astrophotography",
    "{brand} fanboys are exhausting lol",
    "Sold my {product}. Too heavy for hiking, otherwise great",
    "First time out with the camera {health}, brought the {product} {emoji}",
    "{tag} #macro spider at dawn, dew on the web",
)

PRIVATE: tuple[str, ...] = (
    "{pal} can I borrow your {product} until Friday? my number: {phone}",
    "{pal} meet at my place Saturday? {addr}, ring {friend}",
    "Followers only: {health} the heavy {product} is getting hard to carry",
    "{pal} did you edit the pics from {friend}'s baptism yet? {belief}",
    "{pal} birthday gift for dad: {brand} {product}? he's turning 60 🎂",
    "{pal} not coming today, {health}, shoot is off",
    "Private: {friend} and I broke up. I'm keeping the camera.",
    "{pal} new phone number {phone}, please delete the old one",
    "{pal} send me your address and I'll mail you the lens. Mine: {addr}",
    "{pal} {belief} – are you shooting the parish fair too?",
    "For friends: {health} I'm slowly getting better, thanks for the messages {emoji}",
    "{pal} the {product} was a bad buy, don't tell anyone 🤫",
    "{pal} we're at the rally in {city} this weekend, {belief}",
    "{pal} can you give {friend} my email {email}? about the photos",
)

UNRELATED: tuple[str, ...] = (
    "Monday. Coffee. Rain. {emoji}",
    "Any tips for hiking in the Lake District? #hiking",
    "Train delayed by {days} minutes again. Thanks for nothing",
    "Sunday roast at grandma's {emoji}",
    "Finally on vacation!!! {emoji}",
    "Happy birthday to my buddy {friend}!",
    "Anyone know a good dentist in {city}?",
    "Last-minute winner, I can't take this anymore 😂",
    "Taxes done. I need a beer",
    "{belief} – some topics don't belong on social media",
    "Looking for someone to take over my flat in {city}, 2 rooms",
    "The cat knocked over the Christmas tree 🎄🐈",
)

COMPANY_REPLY: tuple[str, ...] = (
    "Hi {name}, thanks for reaching out! Please DM us your order number. {sig}",
    "Hi {name}, sorry to hear that! We'll get back to you today. {sig}",
    "Thanks {name} for the kind words {emoji} Enjoy the {product}! {sig}",
    "Hi {name}, the {product} is back in stock next week. {sig}",
    "Hi {name}, please contact our service team at service@optiklinse.example {sig}",
    "Hi {name}, yes, the {product} fits with the right mount. Details via DM? {sig}",
    "Hi {name}, we've sent you a direct message. {sig}",
    "Thanks for sharing, {name}! May we feature the shot on our page? {sig}",
)

COMPANY_POST: tuple[str, ...] = (
    "New in the shop: the {product}! Pre-order now {emoji} {tag} #optiklinse",
    "Photo walk through {city} on Saturday – who's in? #optiklinse",
    "Firmware 1.3 for the {product} is out: faster autofocus {tag}",
    "Your photo of the week, shot with the {product} {emoji} #optiklinse",
    "Our service team has limited hours over the holidays. Thanks for your patience!",
    "Giveaway: show us your best shots with the {product} {tag}",
)

HEALTH: tuple[str, ...] = (
    "after my knee surgery",
    "since my chemo",
    "because of my migraine",
    "after the slipped disc",
    "since the diabetes diagnosis",
    "because of my depression",
    "in my wheelchair",
    "after the pregnancy",
)

BELIEF: tuple[str, ...] = (
    "as a Catholic",
    "after Friday prayers",
    "we're going to the confirmation with the parish",
    "as a Green Party member",
    "for the Labour branch",
    "at the synagogue",
    "as a union steward",
)

CAMERA: tuple[str, ...] = (
    "full-frame body",
    "APS-C camera",
    "old DSLR",
    "mirrorless camera",
    "2015 camera",
)

PREFIX: tuple[str, ...] = ("", "", "", "", "Hey! ", "ok so ", "Hi all, ", "So ")
SUFFIX: tuple[str, ...] = ("", "", "", "", " lol", " 🙏", " greetings from {city}", " …", "!!")
